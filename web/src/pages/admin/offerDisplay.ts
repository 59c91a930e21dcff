// How an offer under review is shown to an admin: its payout (money and percentages as the
// exact decimal strings the API sends, never through a float) and its countries by name.
import type { Schemas } from "../../api/client";
import { formatMoney } from "../../lib/format";

type Offer = Pick<
  Schemas["OfferView"],
  "payout_model" | "payout_amount" | "payout_percent" | "currency"
>;

/**
 * A percentage written as a decimal string ("7.5") as the ratio string Intl's percent
 * style expects ("0.075"), by moving the decimal point: no float in between.
 */
export function percentToRatio(percent: string): string | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(percent.trim());
  if (!m) return null;
  const [, sign, int = "0", frac = ""] = m;
  const padded = int.padStart(3, "0");
  const whole = padded.slice(0, -2).replace(/^0+(?=\d)/, "");
  const digits = `${padded.slice(-2)}${frac}`.replace(/0+$/, "");
  return `${sign}${whole}${digits ? `.${digits}` : ""}`;
}

/** A percentage decimal string ("7.5") in the language's conventions ("7.5%", "٧٫٥٪"). */
export function formatPercentString(percent: string, lang: string): string {
  const ratio = percentToRatio(percent);
  if (ratio === null) return `${percent}%`;
  const decimals = percent.includes(".") ? percent.length - percent.indexOf(".") - 1 : 0;
  return new Intl.NumberFormat(lang, {
    style: "percent",
    minimumFractionDigits: 0,
    maximumFractionDigits: Math.min(Math.max(decimals, 0), 20),
  }).format(ratio as unknown as number);
}

/** What the offer pays per conversion: an amount (CPA, CPL) or a share of the sale (CPS, RevShare). */
export function payoutText(offer: Offer, lang: string): string | null {
  if (offer.payout_model === "cpa" || offer.payout_model === "cpl") {
    return offer.payout_amount ? formatMoney(offer.payout_amount, offer.currency, lang) : null;
  }
  return offer.payout_percent ? formatPercentString(offer.payout_percent, lang) : null;
}

/** Country codes as names in the language ("SA" → "Saudi Arabia"), the code when unknown. */
export function countryNames(codes: readonly string[], lang: string): string[] {
  let names: Intl.DisplayNames | null = null;
  try {
    names = new Intl.DisplayNames([lang], { type: "region", fallback: "code" });
  } catch {
    names = null;
  }
  return codes.map((c) => {
    try {
      return names?.of(c.toUpperCase()) ?? c;
    } catch {
      return c;
    }
  });
}
