// The leaderboards' pure part: which board and period the address asks for, the period's
// key (`all`, `month:2026-12`, `week:2026-W49`) in words, whose row is the caller's, and
// what the caller's place says about the places around it.
import type { Board, Period, Place } from "../../../api/hooks/leaderboards";

export const BOARDS = ["promoters", "teams"] as const satisfies readonly Board[];
export const PERIODS = ["all", "month", "week"] as const satisfies readonly Period[];

/** Places per page of a board. */
export const PAGE_SIZE = 20;

/** Places on each side of the caller's (the API allows 0 to 10). */
export const AROUND = 2;

/** The board a `board` search param names, else the promoters'. */
export function boardParam(v: string | null): Board {
  return BOARDS.find((b) => b === v) ?? "promoters";
}

/** The period a `period` search param names, else all time. */
export function periodParam(v: string | null): Period {
  return PERIODS.find((p) => p === v) ?? "all";
}

/** The search params of a board and period (defaults left out, so /leaderboards is the first). */
export function boardSearch(board: Board, period: Period): Record<string, string> {
  return {
    ...(board === "promoters" ? {} : { board }),
    ...(period === "all" ? {} : { period }),
  };
}

/** A period key read: all time, a calendar month (1–12), or an ISO week (1–53). */
export type PeriodKey =
  | { kind: "all" }
  | { kind: "month"; year: number; month: number }
  | { kind: "week"; year: number; week: number };

/** Reads the API's `period_key`; null for one this app does not know. */
export function parsePeriodKey(key: string): PeriodKey | null {
  if (key === "all") return { kind: "all" };
  let m = /^month:(\d{4})-(\d{2})$/.exec(key);
  if (m) {
    const month = Number(m[2]);
    return month >= 1 && month <= 12 ? { kind: "month", year: Number(m[1]), month } : null;
  }
  m = /^week:(\d{4})-W(\d{2})$/.exec(key);
  if (m) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    return week >= 1 && week <= weeksIn(year) ? { kind: "week", year, week } : null;
  }
  return null;
}

const DAY_MS = 86_400_000;

/** The Monday (UTC midnight) that starts ISO week `week` of ISO year `year`. */
export function isoWeekMonday(year: number, week: number): Date {
  // 4 January is always in week 1.
  const jan4 = Date.UTC(year, 0, 4);
  const weekday = (new Date(jan4).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return new Date(jan4 - weekday * DAY_MS + (week - 1) * 7 * DAY_MS);
}

/** How many ISO weeks a year has (52 or 53). */
export function weeksIn(year: number): number {
  // 28 December is always in the year's last week.
  const dec28 = Date.UTC(year, 11, 28);
  const monday1 = isoWeekMonday(year, 1).getTime();
  return Math.floor((dec28 - monday1) / (7 * DAY_MS)) + 1;
}

/** A translation key with its values, translated by the page. */
export interface Words {
  key: string;
  values?: Record<string, string>;
}

function year(y: number, lang: string): string {
  return new Intl.NumberFormat(lang, { useGrouping: false }).format(y);
}

/**
 * The period in words: "All time", "December 2026", "Week 49, 2026 (Nov 30 – Dec 6)"; a key
 * this app does not know is shown as it is.
 */
export function periodWords(periodKey: string, lang: string): Words {
  const p = parsePeriodKey(periodKey);
  if (p === null) return { key: "period.unknown", values: { key: periodKey } };
  if (p.kind === "all") return { key: "period.allTime" };
  if (p.kind === "month") {
    const month = new Intl.DateTimeFormat(lang, {
      year: "numeric",
      month: "long",
      timeZone: "UTC",
    }).format(new Date(Date.UTC(p.year, p.month - 1, 1)));
    return { key: "period.month", values: { month } };
  }
  const monday = isoWeekMonday(p.year, p.week);
  const sunday = new Date(monday.getTime() + 6 * DAY_MS);
  const day = new Intl.DateTimeFormat(lang, { month: "short", day: "numeric", timeZone: "UTC" });
  return {
    key: "period.week",
    values: {
      week: new Intl.NumberFormat(lang).format(p.week),
      year: year(p.year, lang),
      from: day.format(monday),
      to: day.format(sunday),
    },
  };
}

/**
 * The caller's row on a board: a promoter's own on the promoters' board, its team's (the
 * `subject_id` of its place) on the teams' board; null when it has none.
 */
export function ownId(
  board: Board,
  userId: number | null,
  subjectId: number | null,
): number | null {
  if (board === "promoters") return userId;
  return subjectId;
}

/** The places with the same points as the caller's (ties: whoever got there first ranks higher). */
export function tiedWith(entry: Place, neighbours: Place[]): Place[] {
  return neighbours.filter((n) => n.id !== entry.id && n.points === entry.points);
}

/**
 * The place just above the caller's and the points it takes to pass it (one more than its,
 * since equal points go to whoever got there first); null at the top or when the place
 * above is not among the neighbours.
 */
export function toPass(entry: Place, neighbours: Place[]): { name: string; points: number } | null {
  const above = neighbours.find((n) => n.rank === entry.rank - 1);
  if (!above) return null;
  return { name: above.name, points: Math.max(above.points - entry.points + 1, 1) };
}
