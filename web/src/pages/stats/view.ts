// What the stats page shows, as it lives in the URL's search params (so a view can be
// shared or bookmarked, and back/forward work), and the API query it makes. Anything in the
// URL that is not valid falls back to the default, so a hand-edited link never breaks the page.
import type { Granularity, GroupBy, StatsQuery } from "../../api/hooks/stats";
import type { Role } from "../../auth/session";
import {
  checkDays,
  PRESETS,
  type Preset,
  presetRange,
  type RangeProblem,
  spanDays,
} from "../../lib/dates";
import { positiveId } from "../../lib/ids";

export type RangeChoice = Preset | "custom";

export interface StatsView {
  /** A preset (relative to today, so a bookmark keeps meaning "the last 7 days"), or custom. */
  range: RangeChoice;
  /** First day, YYYY-MM-DD in the browser's zone. */
  from: string;
  /** Last day, inclusive. */
  to: string;
  granularity: Granularity;
  group: GroupBy | null;
  /** Only this offer. */
  offer: number | null;
  /** Only this promoter (advertisers and admins). */
  promoter: number | null;
  /** Only this country (two letters, upper case). */
  country: string | null;
}

export const granularities: readonly Granularity[] = ["hour", "day", "week", "month"];

export const DEFAULT_PRESET: Preset = "7d";
export const DEFAULT_GRANULARITY: Granularity = "day";

/** The splits each role may ask for (the API scopes the rows; these are the useful ones). */
export function groupsFor(role: Role): GroupBy[] {
  switch (role) {
    case "promoter":
      return ["offer", "country", "sub1"];
    case "advertiser":
      return ["offer", "promoter", "country", "sub1"];
    case "admin":
      return ["offer", "promoter", "advertiser", "country", "sub1"];
  }
}

/**
 * The longest range, in days counting both ends, the API takes at a granularity
 * (control-plane/src/stats/http.rs: `to − from` under 31 days by hour, 732 otherwise).
 */
export function maxDays(granularity: Granularity): number {
  return granularity === "hour" ? 31 : 732;
}

/** What is wrong with a custom range, by field (`from`, `to`), as the API would say it. */
export function checkRange(
  from: string,
  to: string,
  granularity: Granularity,
): { from?: RangeProblem; to?: RangeProblem } {
  return checkDays(from, to, maxDays(granularity));
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

function countryCode(value: string | null): string | null {
  return value !== null && /^[A-Za-z]{2}$/.test(value) ? value.toUpperCase() : null;
}

export interface ParseContext {
  role: Role;
  now: Date;
  timeZone: string;
}

/**
 * The view a URL's search params ask for. `from` and `to` (both valid, in order, within the
 * API's longest range) make a custom range; otherwise `range` names a preset, by default the
 * last 7 days. A granularity the range is too long for (hour over 31 days), a split the role
 * does not have and malformed filters fall back to the defaults.
 */
export function parseStatsSearch(search: URLSearchParams, ctx: ParseContext): StatsView {
  const from = search.get("from");
  const to = search.get("to");
  let range: RangeChoice;
  let days: { from: string; to: string };
  if (from !== null && to !== null && Object.keys(checkRange(from, to, "day")).length === 0) {
    range = "custom";
    days = { from, to };
  } else {
    range = oneOf(search.get("range"), PRESETS) ?? DEFAULT_PRESET;
    days = presetRange(range, ctx.now, ctx.timeZone);
  }
  let granularity = oneOf(search.get("granularity"), granularities) ?? DEFAULT_GRANULARITY;
  if (spanDays(days.from, days.to) > maxDays(granularity)) granularity = DEFAULT_GRANULARITY;
  return {
    range,
    ...days,
    granularity,
    group: oneOf(search.get("group"), groupsFor(ctx.role)),
    offer: positiveId(search.get("offer")),
    promoter: ctx.role === "promoter" ? null : positiveId(search.get("promoter")),
    country: countryCode(search.get("country")),
  };
}

/**
 * The search params of a view, defaults left out so links stay short: a preset is written
 * as `range`, a custom range as `from` and `to`.
 */
export function toSearch(view: StatsView): URLSearchParams {
  const s = new URLSearchParams();
  if (view.range === "custom") {
    s.set("from", view.from);
    s.set("to", view.to);
  } else if (view.range !== DEFAULT_PRESET) {
    s.set("range", view.range);
  }
  if (view.granularity !== DEFAULT_GRANULARITY) s.set("granularity", view.granularity);
  if (view.group) s.set("group", view.group);
  if (view.offer !== null) s.set("offer", String(view.offer));
  if (view.promoter !== null) s.set("promoter", String(view.promoter));
  if (view.country !== null) s.set("country", view.country);
  return s;
}

/**
 * A view changed by `patch`. A preset's days are computed (from today); a granularity the new
 * range is too long for becomes the default (hour is for 31 days at most).
 */
export function changeView(
  view: StatsView,
  patch: Partial<StatsView>,
  now: Date,
  timeZone: string,
): StatsView {
  const next = { ...view, ...patch };
  if (next.range !== "custom") Object.assign(next, presetRange(next.range, now, timeZone));
  if (spanDays(next.from, next.to) > maxDays(next.granularity)) {
    next.granularity = DEFAULT_GRANULARITY;
  }
  return next;
}

/** The GET /v1/stats query of a view, in the given time zone (no empty parameters). */
export function toApiQuery(view: StatsView, timeZone: string): StatsQuery {
  const q: StatsQuery = {
    from: view.from,
    to: view.to,
    granularity: view.granularity,
    tz: timeZone,
  };
  if (view.group) q.group_by = view.group;
  if (view.offer !== null) q.offer_id = view.offer;
  if (view.promoter !== null) q.promoter_id = view.promoter;
  if (view.country !== null) q.country = view.country;
  return q;
}
