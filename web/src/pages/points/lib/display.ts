// How points are shown: a ledger entry's cause in words, points with their sign, the level
// names (the defaults translated, others as the settings name them), the progress to the next
// level and the ladder of levels. Texts are keys of the `points` namespace.
import type { LedgerEntry, LevelView, PointsView } from "../../../api/hooks/points";

/** The causes the API writes (control-plane/src/programme: README "The promoter programme"). */
export const CAUSES = [
  "conversion_approved",
  "conversion_unapproved",
  "unique_clicks",
  "adjustment",
] as const;

export type Cause = (typeof CAUSES)[number];

/** The key of a cause's words (`causes.<cause>`); a cause this version does not know: `causes.other`. */
export function causeKey(cause: string): string {
  return (CAUSES as readonly string[]).includes(cause) ? `causes.${cause}` : "causes.other";
}

/** The level names of the default settings, which have translations (`levels.<name>`). */
export const KNOWN_LEVELS = ["Bronze", "Silver", "Gold", "Platinum", "Diamond"] as const;

/** The key of a level's translated name, or null for a name the settings made up (shown as is). */
export function levelKey(name: string): string | null {
  return (KNOWN_LEVELS as readonly string[]).includes(name) ? `levels.${name}` : null;
}

/** Points with their sign, in the reader's language: "+499", "-20" ("0" for none). */
export function formatSigned(points: number, lang: string): string {
  return new Intl.NumberFormat(lang, { signDisplay: "exceptZero" }).format(points);
}

/** Whether an entry adds points or takes them back (its style, and its words for screen readers). */
export function pointsTone(points: number): "gain" | "loss" {
  return points < 0 ? "loss" : "gain";
}

/** The progress to the next level as a whole percentage, 0 to 100 (100 at the top level). */
export function progressPercent(view: Pick<PointsView, "progress" | "next_level">): number {
  if (!view.next_level) return 100;
  const p = Number.isFinite(view.progress) ? view.progress : 0;
  return Math.min(100, Math.max(0, Math.floor(p * 100)));
}

/** A text and its values, for `t`. */
export interface Message {
  key: string;
  values: Record<string, string>;
}

/**
 * What the progress bar says: "N points to <next>" (`progress.toNextOne` for a single point,
 * the texts have no plural forms otherwise), or that the top level is reached. `levelName`
 * gives a level's name in the reader's language.
 */
export function progressMessage(
  view: Pick<PointsView, "next_level" | "points_to_next">,
  lang: string,
  levelName: (name: string) => string,
): Message {
  if (!view.next_level) return { key: "progress.top", values: {} };
  const points = Math.max(0, view.points_to_next ?? 0);
  return {
    key: points === 1 ? "progress.toNextOne" : "progress.toNext",
    values: {
      points: new Intl.NumberFormat(lang).format(points),
      level: levelName(view.next_level.name),
    },
  };
}

/** Where a promoter stands on each level: reached (passed), the current one, or still ahead. */
export type Rung = LevelView & { state: "reached" | "current" | "ahead" };

/** The levels, lowest first, each marked by the promoter's lifetime points. */
export function ladder(levels: readonly LevelView[], lifetime: number): Rung[] {
  let current = 0;
  levels.forEach((l, i) => {
    if (l.min_points <= lifetime) current = i;
  });
  return levels.map((l, i) => ({
    ...l,
    state: i < current ? "reached" : i === current ? "current" : "ahead",
  }));
}

/** The details an entry has beside its cause, in the order they are shown. */
export function entryDetails(e: LedgerEntry): {
  day: string | null;
  reason: string | null;
  conversionId: string | null;
  offerId: number | null;
} {
  return {
    day: e.cause === "unique_clicks" ? (e.day ?? null) : null,
    reason: e.reason?.trim() ? e.reason : null,
    conversionId: e.conversion_id ?? null,
    offerId: e.offer_id ?? null,
  };
}

/** A UTC day (YYYY-MM-DD) as a date in the reader's language, without moving it by the zone. */
export function formatDay(day: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return day;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone: "UTC" }).format(date);
}

/** Why an adjustment can't be sent, before asking the API: the `adjust.errors.*` keys by field. */
export function adjustmentErrors(points: string, reason: string): Record<string, string> {
  const out: Record<string, string> = {};
  const text = points.trim();
  if (!/^[-+]?\d+$/.test(text)) out.points = "adjust.errors.pointsWhole";
  else {
    const n = Number(text);
    if (n === 0) out.points = "adjust.errors.pointsZero";
    else if (Math.abs(n) > MAX_ADJUSTMENT) out.points = "adjust.errors.pointsRange";
  }
  const r = reason.trim();
  if (r.length === 0) out.reason = "adjust.errors.reasonRequired";
  else if ([...r].length > MAX_REASON) out.reason = "adjust.errors.reasonLong";
  return out;
}

/** The most points one adjustment may add or take away. */
export const MAX_ADJUSTMENT = 1_000_000;

/** The longest reason, in characters. */
export const MAX_REASON = 500;
