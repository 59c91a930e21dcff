// How an offer's terms are shown: payout (a fixed amount or a percentage, as exact decimal
// strings, never through a float), countries and the attribution window, in the chosen
// language's conventions.
import { formatMoney } from "../../lib/format";

type PayoutModel = "cpa" | "cpl" | "cps" | "revshare";

interface PayoutTerms {
  payout_model: PayoutModel;
  payout_amount?: string | null;
  payout_percent?: string | null;
  currency: string;
}

export type Payout =
  | { kind: "amount"; amount: string; currency: string }
  | { kind: "percent"; percent: string }
  | { kind: "none" };

const FIXED: readonly PayoutModel[] = ["cpa", "cpl"];

/**
 * What an offer pays: CPA and CPL a fixed amount in the offer's currency, CPS and RevShare a
 * percentage of the sale (DESIGN §7); when the model's value is missing, whichever is there.
 */
export function payoutOf(o: PayoutTerms): Payout {
  const amount = o.payout_amount ?? undefined;
  const percent = o.payout_percent ?? undefined;
  const asAmount = amount ? ({ kind: "amount", amount, currency: o.currency } as const) : null;
  const asPercent = percent ? ({ kind: "percent", percent } as const) : null;
  const first = FIXED.includes(o.payout_model) ? asAmount : asPercent;
  return first ?? asAmount ?? asPercent ?? { kind: "none" };
}

function decimalsOf(s: string): number {
  const dot = s.indexOf(".");
  return dot < 0 ? 0 : s.length - dot - 1;
}

/**
 * A percentage written as a decimal string ("7.5") as the ratio it means ("0.075"), by moving
 * the decimal point: exact, no float.
 */
export function percentToRatio(percent: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?$/.exec(percent.trim());
  if (!m) return percent;
  const [, sign, int = "", frac = ""] = m;
  const whole = int.padStart(3, "0");
  const head = whole.slice(0, -2).replace(/^0+(?=\d)/, "");
  const ratio = `${head}.${whole.slice(-2)}${frac}`.replace(/\.?0+$/, "");
  return `${sign}${ratio === "" ? "0" : ratio}`;
}

/** A percentage decimal string ("7.5") in the language's way ("7.5%", "٧٫٥٪؜"). */
export function formatPercentString(percent: string, lang: string): string {
  try {
    const digits = decimalsOf(percent.trim());
    return new Intl.NumberFormat(lang, {
      style: "percent",
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(percentToRatio(percent) as unknown as number);
  } catch {
    return `${percent}%`;
  }
}

/** The payout as text, or undefined when the offer names none. */
export function formatPayout(p: Payout, lang: string): string | undefined {
  if (p.kind === "amount") return formatMoney(p.amount, p.currency, lang);
  if (p.kind === "percent") return formatPercentString(p.percent, lang);
  return undefined;
}

/** A country code's name in the language ("SA" → "Saudi Arabia"), or the code. */
export function countryName(code: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: "region", fallback: "code" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * Country names joined as the language joins a list: a whole list with "and" ("A, B, and
 * C"), the start of a longer one without ("A, B, C", followed by "and n more").
 */
export function countryList(codes: readonly string[], lang: string, whole = true): string {
  const names = codes.map((c) => countryName(c, lang));
  try {
    const type = whole ? "conjunction" : "unit";
    return new Intl.ListFormat(lang, { type, style: whole ? "long" : "short" }).format(names);
  } catch {
    return names.join(", ");
  }
}

/** An attribution window: whole days as days ("30 days"), otherwise hours ("36 hours"). */
export function formatWindow(hours: number, lang: string): string {
  const days = hours % 24 === 0 && hours > 0;
  return new Intl.NumberFormat(lang, {
    style: "unit",
    unit: days ? "day" : "hour",
    unitDisplay: "long",
  }).format(days ? hours / 24 : hours);
}

/** Only http(s) addresses become links (never `javascript:` or the like). */
export function isWebUrl(url: string | null | undefined): url is string {
  if (!url) return false;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:";
  } catch {
    return false;
  }
}
