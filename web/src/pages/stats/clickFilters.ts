// The clicks page's filters: kept in the page's address (a filtered list can be bookmarked,
// the back button works) and turned into GET /v1/clicks' query.
import type { ClickQuery } from "../../api/hooks/clicks";
import { spanDays } from "../../lib/dates";
import { CLICK_REASONS } from "../../lib/fraudReasons";
import { type ListFilters, listFiltersFromParams, listFiltersToQuery } from "../../lib/listFilters";

export type Verdict = "ok" | "bot" | "offer_paused" | "geo_blocked";

export const VERDICTS: readonly Verdict[] = ["ok", "bot", "offer_paused", "geo_blocked"];

/** The longest range the API lists at once, in days. */
export const MAX_RANGE_DAYS = 93;

/** The offer, `fraud` (`any`, `none` or one click reason) and days (none: the API's last 7 days). */
export interface ClickFilters extends ListFilters {
  verdict?: Verdict;
}

/** The filters in the address; anything malformed is ignored. */
export function clickFiltersFromParams(p: URLSearchParams): ClickFilters {
  const f: ClickFilters = listFiltersFromParams(p, CLICK_REASONS);
  const verdict = p.get("verdict");
  if (verdict && (VERDICTS as readonly string[]).includes(verdict)) f.verdict = verdict as Verdict;
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
 * The API's query: whole days in the browser's zone (listFiltersToQuery). Without days the
 * API lists the last 7 days up to now.
 */
export function clickFiltersToQuery(f: ClickFilters): ClickQuery {
  const q: ClickQuery = listFiltersToQuery(f);
  if (f.verdict) q.verdict = f.verdict;
  return q;
}

export type RangeProblem = "order" | "tooLong";

/** What the API would refuse in a range of days, checked before asking. */
export function checkClickRange(from: string, to: string): { to?: RangeProblem } {
  if (!from || !to) return {};
  const days = spanDays(from, to);
  if (days < 1) return { to: "order" };
  if (days > MAX_RANGE_DAYS) return { to: "tooLong" };
  return {};
}
