// What the click and conversion lists' filters share (src/pages/stats/clickFilters.ts,
// src/pages/advertiser/lib/conversionFilters.ts): an offer, the fraud filter and whole days,
// read from the page's address and turned into the API's query.
import { dayEnd, dayStart, isDay } from "./dates";
import {
  FRAUD_REASONS,
  type FraudFilter,
  type FraudReason,
  parseFraudFilter,
} from "./fraudReasons";

export interface ListFilters {
  offerId?: number;
  /** `any` (flagged), `none` (clean) or one reason. */
  fraud?: FraudFilter;
  /** First day, YYYY-MM-DD in the browser's zone. */
  from?: string;
  /** Last day, inclusive. */
  to?: string;
}

/** The query parameters these filters make. */
export interface ListQuery {
  offer_id?: number;
  fraud?: FraudFilter;
  from?: string;
  to?: string;
}

/**
 * The shared filters in the address (`offer_id`, `fraud` as one of `reasons`, `any` or `none`,
 * `from`, `to`); anything malformed is ignored.
 */
export function listFiltersFromParams(
  p: URLSearchParams,
  reasons: readonly FraudReason[] = FRAUD_REASONS,
): ListFilters {
  const f: ListFilters = {};
  const offer = p.get("offer_id");
  if (offer && /^\d+$/.test(offer)) f.offerId = Number(offer);
  const fraud = parseFraudFilter(p.get("fraud"), reasons);
  if (fraud) f.fraud = fraud;
  const from = p.get("from");
  if (from && isDay(from)) f.from = from;
  const to = p.get("to");
  if (to && isDay(to)) f.to = to;
  return f;
}

/**
 * Their part of the API's query: whole days in the browser's zone (`from` the first day's
 * start, `to` the start of the day after the last, as the API's `to` is exclusive).
 */
export function listFiltersToQuery(f: ListFilters): ListQuery {
  const q: ListQuery = {};
  if (f.offerId !== undefined) q.offer_id = f.offerId;
  if (f.fraud) q.fraud = f.fraud;
  if (f.from) q.from = dayStart(f.from);
  if (f.to) q.to = dayEnd(f.to);
  return q;
}
