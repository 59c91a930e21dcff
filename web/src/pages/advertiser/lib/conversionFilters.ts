// The conversions page's filters: kept in the page's address (so a filtered list can be
// bookmarked and the back button works) and turned into GET /v1/conversions' query.
import type { Schemas } from "../../../api/client";
import { dayEnd, dayStart, isDay } from "../../../lib/dates";
import { type FraudFilter, parseFraudFilter } from "../../../lib/fraudReasons";

export type ConversionStatus = Schemas["ConversionStatus"];

export const CONVERSION_STATUSES: readonly ConversionStatus[] = [
  "pending",
  "pending_review",
  "approved",
  "rejected",
  "reversed",
  "duplicate",
  "over_cap",
  "out_of_window",
  "unknown_click",
  "rejected_advertiser_mismatch",
  "rejected_fraud",
];

export interface ConversionFilters {
  status?: ConversionStatus;
  offerId?: number;
  /** `any` (flagged), `none` (clean) or one reason (ctit_short included). */
  fraud?: FraudFilter;
  /** First day, YYYY-MM-DD in the browser's zone. */
  from?: string;
  /** Last day, inclusive. */
  to?: string;
}

/** The query GET /v1/conversions takes (without cursor, limit and format). */
export interface ConversionQuery {
  status?: ConversionStatus;
  offer_id?: number;
  fraud?: FraudFilter;
  from?: string;
  to?: string;
}

/** The filters in the address; anything malformed is ignored. */
export function filtersFromParams(p: URLSearchParams): ConversionFilters {
  const f: ConversionFilters = {};
  const status = p.get("status");
  if (status && (CONVERSION_STATUSES as readonly string[]).includes(status)) {
    f.status = status as ConversionStatus;
  }
  const offer = p.get("offer_id");
  if (offer && /^\d+$/.test(offer)) f.offerId = Number(offer);
  const fraud = parseFraudFilter(p.get("fraud"));
  if (fraud) f.fraud = fraud;
  const from = p.get("from");
  if (from && isDay(from)) f.from = from;
  const to = p.get("to");
  if (to && isDay(to)) f.to = to;
  return f;
}

export function filtersToParams(f: ConversionFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.status) p.set("status", f.status);
  if (f.offerId !== undefined) p.set("offer_id", String(f.offerId));
  if (f.fraud) p.set("fraud", f.fraud);
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  return p;
}

/**
 * The API's query: `from` is the first day's start (inclusive), `to` the start of the day
 * after the last (the API's `to` is exclusive), so whole days in the browser's zone.
 */
export function filtersToQuery(f: ConversionFilters): ConversionQuery {
  const q: ConversionQuery = {};
  if (f.status) q.status = f.status;
  if (f.offerId !== undefined) q.offer_id = f.offerId;
  if (f.fraud) q.fraud = f.fraud;
  if (f.from) q.from = dayStart(f.from);
  if (f.to) q.to = dayEnd(f.to);
  return q;
}
