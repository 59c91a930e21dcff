// The conversions page's filters: kept in the page's address (so a filtered list can be
// bookmarked and the back button works) and turned into GET /v1/conversions' query.
import type { Schemas } from "../../../api/client";
import { isDay } from "../../../lib/dates";

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
  /** First day, YYYY-MM-DD in the browser's zone. */
  from?: string;
  /** Last day, inclusive. */
  to?: string;
}

/** The query GET /v1/conversions takes (without cursor, limit and format). */
export interface ConversionQuery {
  status?: ConversionStatus;
  offer_id?: number;
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
  if (f.from) p.set("from", f.from);
  if (f.to) p.set("to", f.to);
  return p;
}

/** The instant a day starts in the browser's zone, as RFC 3339 (UTC). */
export function dayStart(day: string): string {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(y, m - 1, d).toISOString();
}

/**
 * The API's query: `from` is the first day's start (inclusive), `to` the start of the day
 * after the last (the API's `to` is exclusive), so whole days in the browser's zone.
 */
export function filtersToQuery(f: ConversionFilters): ConversionQuery {
  const q: ConversionQuery = {};
  if (f.status) q.status = f.status;
  if (f.offerId !== undefined) q.offer_id = f.offerId;
  if (f.from) q.from = dayStart(f.from);
  if (f.to) {
    const [y, m, d] = f.to.split("-").map(Number) as [number, number, number];
    q.to = new Date(y, m - 1, d + 1).toISOString();
  }
  return q;
}

/**
 * The pages of a CSV export joined into one document: the header row once, every page's
 * rows in order (the API ends lines with CRLF; a page without rows adds nothing).
 */
export function joinCsvPages(pages: readonly string[]): string {
  if (pages.length === 0) return "";
  const [first, ...rest] = pages as [string, ...string[]];
  let out = first;
  for (const page of rest) {
    const nl = page.indexOf("\n");
    const rows = nl < 0 ? "" : page.slice(nl + 1);
    if (rows === "") continue;
    if (out !== "" && !out.endsWith("\n")) out += "\r\n";
    out += rows;
  }
  return out;
}
