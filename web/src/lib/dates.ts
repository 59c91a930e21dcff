// Date ranges as the API takes them: days (YYYY-MM-DD), in the browser's zone for stats and
// the lists, in UTC for the fraud pages.

export function browserTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

/** The calendar day of an instant in a time zone, as YYYY-MM-DD. */
export function dayIn(instant: Date, timeZone: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(instant);
}

/** A day plus n days (n may be negative), on the calendar, whatever the zone. */
export function addDays(day: string, n: number): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return t.toISOString().slice(0, 10);
}

export type Preset = "today" | "7d" | "30d" | "90d";

/** The presets the range pickers offer, shortest first. */
export const PRESETS: readonly Preset[] = ["today", "7d", "30d", "90d"];

export interface DayRange {
  from: string;
  to: string;
}

/** Today, or the last n days including today, in the zone. */
export function presetRange(preset: Preset, now: Date, timeZone: string): DayRange {
  const today = dayIn(now, timeZone);
  const back = { today: 0, "7d": 6, "30d": 29, "90d": 89 }[preset];
  return { from: addDays(today, -back), to: today };
}

export function isDay(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}

/** Days from `from` to `to`, both included. */
export function spanDays(from: string, to: string): number {
  return (
    Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
  );
}

/** A real calendar day (no 30 February) in the years the API takes (1970 to 9000). */
export function validDay(s: string): boolean {
  if (!isDay(s) || addDays(s, 0) !== s) return false;
  const year = Number(s.slice(0, 4));
  return year >= 1970 && year <= 9000;
}

export type RangeProblem = "day" | "order" | "tooLong";

/**
 * What is wrong with a custom range of days, by field (`from`, `to`), as the API would say
 * it: a day it does not take, an end before the start, or more than `maxDays` days (both
 * ends counted).
 */
export function checkDays(
  from: string,
  to: string,
  maxDays: number,
): { from?: RangeProblem; to?: RangeProblem } {
  const out: { from?: RangeProblem; to?: RangeProblem } = {};
  if (!validDay(from)) out.from = "day";
  if (!validDay(to)) out.to = "day";
  if (out.from || out.to) return out;
  if (to < from) out.to = "order";
  else if (spanDays(from, to) > maxDays) out.to = "tooLong";
  return out;
}

/** The instant a day starts in the browser's zone, as RFC 3339 (UTC). */
export function dayStart(day: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d).toISOString();
}

/** The instant the day after `day` starts in the browser's zone: the end of `day`, exclusive. */
export function dayEnd(day: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d + 1).toISOString();
}
