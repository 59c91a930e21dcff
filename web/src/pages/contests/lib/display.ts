// How a contest reads on the pages: its state's label and colour, where it is in time (starts
// in, ends in, results being counted), the time left in the language's own units, scores, and
// what each role may do with it (as the API's rules allow: control-plane/.../contests/rules.rs).
import type {
  ContestMetric,
  ContestStatus,
  ContestView,
  StandingView,
} from "../../../api/hooks/contests";
import { formatMoney, formatNumber } from "../../../lib/format";

export const STATUSES: readonly ContestStatus[] = [
  "draft",
  "scheduled",
  "running",
  "finished",
  "cancelled",
];
export const METRICS: readonly ContestMetric[] = [
  "conversions",
  "unique_clicks",
  "payout",
  "points",
];

/** The badge class of a state: running green, scheduled amber, cancelled red, others plain. */
export function statusTone(s: ContestStatus): string {
  switch (s) {
    case "running":
      return "badge badge-ok";
    case "scheduled":
      return "badge badge-warn";
    case "cancelled":
      return "badge badge-danger";
    default:
      return "badge";
  }
}

/** The translation key of a state's label (contests namespace). */
export function statusKey(s: ContestStatus): `status.${ContestStatus}` {
  return `status.${s}`;
}

/** The promoters' list: running first, then upcoming, finished, and the ones they entered. */
export const PROMOTER_TABS = ["running", "scheduled", "finished", "mine"] as const;
export type PromoterTab = (typeof PROMOTER_TABS)[number];

export function promoterTab(param: string | null): PromoterTab {
  return (PROMOTER_TABS as readonly string[]).includes(param ?? "")
    ? (param as PromoterTab)
    : "running";
}

/** The filter a promoter's tab asks the API for. */
export function tabFilter(tab: PromoterTab): { status?: ContestStatus; mine?: boolean } {
  return tab === "mine" ? { mine: true } : { status: tab };
}

/** The managers' status filter: a state, or every one (null). */
export function statusParam(param: string | null): ContestStatus | null {
  return (STATUSES as readonly string[]).includes(param ?? "") ? (param as ContestStatus) : null;
}

/**
 * Where a contest is in time, now: before its start, between start and end, after its end
 * while its results are counted (late conversions still count), or done.
 */
export type Phase = "draft" | "upcoming" | "running" | "counting" | "finished" | "cancelled";

export function phaseOf(
  c: Pick<ContestView, "status" | "starts_at" | "ends_at">,
  now: number,
): Phase {
  if (c.status === "draft" || c.status === "finished" || c.status === "cancelled") {
    return c.status;
  }
  if (now < Date.parse(c.starts_at)) return "upcoming";
  if (now < Date.parse(c.ends_at)) return "running";
  return "counting";
}

/** The instant the phase's countdown counts to (null: nothing to count down to). */
export function countdownTarget(
  c: Pick<ContestView, "status" | "starts_at" | "ends_at">,
  now: number,
): number | null {
  const phase = phaseOf(c, now);
  if (phase === "upcoming") return Date.parse(c.starts_at);
  if (phase === "running") return Date.parse(c.ends_at);
  return null;
}

export interface Left {
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** A span in days, hours, minutes and seconds (negative spans are none). */
export function splitDuration(ms: number): Left {
  const total = Math.max(0, Math.floor(ms / 1000));
  return {
    days: Math.floor(total / 86_400),
    hours: Math.floor((total % 86_400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}

/**
 * Time left in the language's words for units ("3 days, 4 hours"): the two
 * largest units that are not zero; seconds only in the last hour.
 */
export function formatLeft(ms: number, lang: string): string {
  const l = splitDuration(ms);
  const units: [keyof Left, string][] = [
    ["days", "day"],
    ["hours", "hour"],
    ["minutes", "minute"],
    ["seconds", "second"],
  ];
  const first = units.findIndex(([k]) => l[k] > 0);
  if (first < 0) return unit(0, "second", lang);
  const shown = units
    .slice(first, first + 2)
    .filter(([k, u]) => l[k] > 0 && (u !== "second" || (l.days === 0 && l.hours === 0)));
  const parts = shown.map(([k, u]) => unit(l[k], u, lang));
  try {
    return new Intl.ListFormat(lang, { style: "short", type: "unit" }).format(parts);
  } catch {
    return parts.join(" ");
  }
}

function unit(n: number, u: string, lang: string): string {
  return new Intl.NumberFormat(lang, { style: "unit", unit: u, unitDisplay: "long" }).format(n);
}

/** A standing's score as the metric counts: money in the contest's currency, else a number. */
export function formatScore(
  score: string,
  c: Pick<ContestView, "metric" | "currency">,
  lang: string,
): string {
  if (c.metric === "payout" && c.currency) return formatMoney(score, c.currency, lang);
  const n = Number(score);
  return Number.isFinite(n) ? formatNumber(n, lang) : score;
}

/** Whether a standing is the caller's own place (`mine` from the same answer). */
export function isMine(s: StandingView, mine: StandingView | null | undefined): boolean {
  if (!mine) return false;
  if (mine.team_id != null) return s.team_id === mine.team_id;
  return mine.promoter_id != null && s.promoter_id === mine.promoter_id;
}

/** What a manager (admin, or the advertiser whose contest it is) may do in a state. */
export function managerActions(s: ContestStatus): {
  edit: boolean;
  publish: boolean;
  remove: boolean;
  cancel: boolean;
} {
  return {
    edit: s === "draft",
    publish: s === "draft",
    remove: s === "draft",
    cancel: s === "draft" || s === "scheduled" || s === "running",
  };
}

/** Entries are open while the contest is published and before its end. */
export function entriesOpen(c: Pick<ContestView, "status" | "ends_at">, now: number): boolean {
  return (c.status === "scheduled" || c.status === "running") && now < Date.parse(c.ends_at);
}

/**
 * What the promoter may do about entering: enter or leave; for a team contest, only the
 * team's owner does, so others are told (no team: join one; a member: the owner enters).
 */
export type EntryChoice = "enter" | "leave" | "closed" | "needTeam" | "notOwner";

export function entryChoice(
  c: Pick<ContestView, "status" | "ends_at" | "kind" | "entered">,
  team: { owner_id: number } | null,
  me: number,
  now: number,
): EntryChoice {
  if (!entriesOpen(c, now)) return "closed";
  if (c.kind === "team") {
    if (team === null) return "needTeam";
    if (team.owner_id !== me) return "notOwner";
  }
  return c.entered ? "leave" : "enter";
}

/** The prizes, best rank first. */
export function byRank<T extends { rank: number }>(prizes: readonly T[]): T[] {
  return [...prizes].sort((a, b) => a.rank - b.rank);
}
