// The clicks page's filters: kept in the page's address (a filtered list can be bookmarked,
// the back button works) and turned into GET /v1/clicks' query.
import type { ClickQuery } from "../../api/hooks/clicks";
import { dayEnd, dayStart, isDay } from "../../lib/dates";
import { CLICK_REASONS, type FraudFilter, parseFraudFilter } from "../../lib/fraudReasons";

export type Verdict = "ok" | "bot" | "offer_paused" | "geo_blocked";

export const VERDICTS: readonly Verdict[] = ["ok", "bot", "offer_paused", "geo_blocked"];

/** The longest range the API lists at once, in days. */
export const MAX_RANGE_DAYS = 93;

export interface ClickFilters {
  offerId?: number;
  verdict?: Verdict;
  /** `any` (flagged), `none` (clean) or one click reason. */
  fraud?: FraudFilter;
  /** First day, YYYY-MM-DD in the browser's zone (none: the API's last 7 days). */
  from?: string;
  /** Last day, inclusive. */
  to?: string;
}

/** The filters in the address; anything malformed is ignored. */
export function clickFiltersFromParams(p: URLSearchParams): ClickFilters {
  const f: ClickFilters = {};
  const offer = p.get("offer_id");
  if (offer && /^\d+$/.test(offer)) f.offerId = Number(offer);
  const verdict = p.get("verdict");
  if (verdict && (VERDICTS as readonly string[]).includes(verdict)) f.verdict = verdict as Verdict;
  const fraud = parseFraudFilter(p.get("fraud"), CLICK_REASONS);
  if (fraud) f.fraud = fraud;
  const from = p.get("from");
  if (from && isDay(from)) f.from = from;
  const to = p.get("to");
  if (to && isDay(to)) f.to = to;
  return f;
}

export function clickFiltersToParams(f: ClickFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.offerId !== undefined) p.set("offer_id", String(f.offerId));
  if (f.verdict) p.set("verdict", f.verdict);
  if (f.fraud) p.set("fraud", f.fraud);
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  return p;
}

/**
 * The API's query: whole days in the browser's zone (`from` the first day's start, `to` the
 * start of the day after the last, as the API's `to` is exclusive). Without days the API
 * lists the last 7 days up to now.
 */
export function clickFiltersToQuery(f: ClickFilters): ClickQuery {
  const q: ClickQuery = {};
  if (f.offerId !== undefined) q.offer_id = f.offerId;
  if (f.verdict) q.verdict = f.verdict;
  if (f.fraud) q.fraud = f.fraud;
  if (f.from) q.from = dayStart(f.from);
  if (f.to) q.to = dayEnd(f.to);
  return q;
}

/** Days from `from` to `to`, both included (a day in each zone's calendar). */
export function daysIncluded(from: string, to: string): number {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  return Math.round((b - a) / 86_400_000) + 1;
}

export type RangeProblem = "order" | "tooLong";

/** What the API would refuse in a range of days, checked before asking. */
export function checkClickRange(from: string, to: string): { to?: RangeProblem } {
  if (!from || !to) return {};
  const days = daysIncluded(from, to);
  if (days < 1) return { to: "order" };
  if (days > MAX_RANGE_DAYS) return { to: "tooLong" };
  return {};
}
