// How fraud figures are shown: shares and z-scores in the reader's language, labels for the
// API's verdict and reason codes and levels, the click-to-conversion buckets, and bar lengths.
// The fraud reasons themselves (their codes, which block) are src/lib/fraudReasons.ts's.
import type { Level } from "../../../api/hooks/fraud";
import { isFraudReason } from "../../../lib/fraudReasons";

/** The edge's verdicts other than `ok` (their labels: `verdicts.<code>`, namespace `fraud`). */
export const verdicts = ["bot", "offer_paused", "geo_blocked", "expired"] as const;

/** Whether a code is one of the edge's verdicts (as opposed to a fraud reason). */
export function isVerdict(code: string): boolean {
  return (verdicts as readonly string[]).includes(code);
}

/**
 * The i18n key, with its namespace, of a verdict or reason's label: a verdict's in `fraud`,
 * a reason's the short label its badges have everywhere (`reasons.label.<code>` in
 * `common`); null for a code this version does not know (shown as the API wrote it).
 */
export function reasonKey(code: string): string | null {
  if (isVerdict(code)) return `fraud:verdicts.${code}`;
  if (isFraudReason(code)) return `common:reasons.label.${code}`;
  return null;
}

/** The badge class of a risk level (the badge also says the level in words). */
export function levelTone(level: Level): string {
  return { low: "badge-ok", medium: "badge-warn", high: "badge-danger" }[level];
}

/**
 * A share (0.1234) as a percentage with at most one decimal ("12.3%"); a share too small to
 * show is "<0.1%", never a misleading "0%".
 */
export function formatShare(share: number, lang: string): string {
  const percent = (n: number) =>
    new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 1 }).format(n);
  if (share > 0 && share < 0.0005) return `<${percent(0.001)}`;
  return percent(share);
}

/** A conversion rate (as the stats pages: up to two decimals). */
export function formatRate(rate: number, lang: string): string {
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 2 }).format(rate);
}

/** A z-score with its sign and two decimals ("+3.21", "−0.50", "0.00"). */
export function formatZ(z: number, lang: string): string {
  return new Intl.NumberFormat(lang, {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
    signDisplay: "exceptZero",
  }).format(z);
}

/** The click-to-conversion buckets by lower bound in seconds (null: the first, under 10 s). */
const bucketNames: Record<string, string> = {
  null: "under10s",
  10: "s10to60",
  60: "m1to10",
  600: "m10to60",
  3600: "h1to6",
  21600: "h6to24",
  86400: "h24plus",
};

/** The i18n key of a histogram bucket's label, or null for bounds this version does not know. */
export function bucketKey(bucket: { from_seconds?: number | null }): string | null {
  const name = bucketNames[String(bucket.from_seconds ?? null)];
  return name ? `ctit.buckets.${name}` : null;
}

/**
 * Bar lengths in percent of the largest value (so the tallest bar is full): 0 stays 0, any
 * other value is at least 2 so it is seen.
 */
export function barLengths(values: readonly number[]): number[] {
  const max = Math.max(0, ...values);
  return values.map((v) => (v <= 0 || max <= 0 ? 0 : Math.max(2, Math.round((v / max) * 100))));
}

/** The first `n` items and how many more there are. */
export function firstOf<T>(items: readonly T[], n: number): { shown: T[]; more: number } {
  return { shown: items.slice(0, n), more: Math.max(0, items.length - n) };
}

/**
 * The insight's filtered clicks in two groups, in the API's order: the edge's verdicts (link
 * checks) and the fraud reasons; each row with its bar length (against the largest of all).
 * A code this version does not know goes with the fraud reasons.
 */
export function filterGroups<T extends { reason: string; clicks: number }>(
  filtered: readonly T[],
): { name: "verdicts" | "fraud"; rows: (T & { bar: number })[] }[] {
  const bars = barLengths(filtered.map((f) => f.clicks));
  const rows = filtered.map((f, i) => ({ ...f, bar: bars[i] ?? 0 }));
  return [
    { name: "verdicts" as const, rows: rows.filter((r) => isVerdict(r.reason)) },
    { name: "fraud" as const, rows: rows.filter((r) => !isVerdict(r.reason)) },
  ].filter((g) => g.rows.length > 0);
}
