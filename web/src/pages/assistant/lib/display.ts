// How the assistant's numbers are shown: changes with their sign, the figures behind a text
// (their unit told by their name, as the API names them) and the number that triggered a
// tip (its unit told by the tip), in the chosen language's conventions. Amounts stay exact
// decimal strings.
import { formatMoney, formatNumber, formatPercent } from "../../../lib/format";

export type Direction = "up" | "down" | "same";

/**
 * A number, date or amount set into a sentence of a right-to-left language, isolated (FSI …
 * PDI) so that its own direction does not reorder the words around it ("from – to" stays in
 * reading order); left as it is in a left-to-right language.
 */
export function isolate(s: string, lang: string): string {
  return lang.startsWith("ar") ? `\u2068${s}\u2069` : s;
}

export function directionOf(n: number | string): Direction {
  const x = typeof n === "string" ? Number(n) : n;
  if (!Number.isFinite(x) || x === 0) return "same";
  return x > 0 ? "up" : "down";
}

/** A count with its sign ("+12", "−3", "0"). */
export function signedCount(n: number, lang: string): string {
  return new Intl.NumberFormat(lang, { signDisplay: "exceptZero" }).format(n);
}

/** A change in percent (12.5 → "+12.5%"). */
export function signedPercent(pct: number, lang: string): string {
  return new Intl.NumberFormat(lang, {
    style: "percent",
    signDisplay: "exceptZero",
    maximumFractionDigits: 2,
  }).format(pct / 100);
}

/** A change in percentage points of a rate given as a ratio (0.0012 → "+0.12"). */
export function signedPoints(ratio: number, lang: string): string {
  return new Intl.NumberFormat(lang, {
    signDisplay: "exceptZero",
    maximumFractionDigits: 2,
  }).format(Math.round(ratio * 1_000_000) / 10_000);
}

/** An amount with its sign, exact ("+1.50 US$"). */
export function signedMoney(amount: string, currency: string, lang: string): string {
  const t = amount.trim();
  if (directionOf(t) === "up" && !t.startsWith("+")) return `+${formatMoney(t, currency, lang)}`;
  return formatMoney(t, currency, lang);
}

/** A decimal string as the language writes numbers, every decimal kept ("0.0250"). */
export function exactNumber(amount: string, lang: string): string {
  const dot = amount.indexOf(".");
  const digits = dot < 0 ? 0 : amount.length - dot - 1;
  try {
    return new Intl.NumberFormat(lang, {
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(amount as unknown as number);
  } catch {
    return amount;
  }
}

/** How a figure is written, from its name (shares and CRs are ratios from 0 to 1). */
export type FigureKind = "share" | "money" | "ratio" | "id" | "number" | "text";

export function figureKind(name: string, value: unknown): FigureKind {
  if (typeof value !== "number" && typeof value !== "string") return "text";
  if (name.endsWith("_id")) return "id";
  if (/(^|_)(share|cr|median|threshold)$/.test(name) && typeof value === "number") return "share";
  if (/(^|_)epc$/.test(name)) return "money";
  if (name === "ratio") return "ratio";
  return typeof value === "number" ? "number" : "text";
}

/**
 * One figure as text: `figures` holds its neighbours (an amount's `currency`, when the API
 * names it); lists are joined.
 */
export function formatFigure(
  name: string,
  value: unknown,
  figures: Record<string, unknown>,
  lang: string,
): string {
  if (Array.isArray(value)) return value.map(String).join(lang.startsWith("ar") ? "، " : ", ");
  switch (figureKind(name, value)) {
    case "share":
      return formatPercent(value as number, lang);
    case "money": {
      const currency = typeof figures.currency === "string" ? figures.currency : null;
      const amount = String(value);
      return currency ? formatMoney(amount, currency, lang) : exactNumber(amount, lang);
    }
    case "ratio":
      return `${formatNumber(value as number, lang)}×`;
    case "id":
      return `#${String(value)}`;
    case "number":
      return formatNumber(value as number, lang);
    default:
      return value === null || value === undefined ? "" : String(value);
  }
}

/** The unit of the number that triggers each tip of the catalogue (README "The assistant"). */
const TIP_UNITS: Record<string, "share" | "count" | "percent" | "ratio"> = {
  no_clicks_7d: "count",
  high_bot_share: "share",
  high_fraud_share: "share",
  links_without_sub_ids: "share",
  close_to_next_level: "share",
  cr_far_below_median: "ratio",
  many_pending_review: "share",
  many_refused: "share",
  no_joined_offers: "count",
  no_approved_offers: "count",
  falling_trend: "percent",
  rising_conversions: "percent",
};

/** A tip's figure or threshold in its unit (a tip the catalogue adds later: a number). */
export function tipNumber(code: string, n: number, lang: string): string {
  switch (TIP_UNITS[code]) {
    case "share":
      return formatPercent(n, lang);
    case "percent":
      return signedPercent(n, lang);
    case "ratio":
      return `${formatNumber(n, lang)}×`;
    default:
      return formatNumber(n, lang);
  }
}
