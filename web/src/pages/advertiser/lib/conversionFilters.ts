// The conversions page's filters: kept in the page's address (so a filtered list can be
// bookmarked and the back button works) and turned into GET /v1/conversions' query.
import type { Schemas } from "../../../api/client";
import {
  type ListFilters,
  type ListQuery,
  listFiltersFromParams,
  listFiltersToQuery,
} from "../../../lib/listFilters";

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

/** The status, offer, `fraud` (`any`, `none` or one reason, ctit_short included) and days. */
export interface ConversionFilters extends ListFilters {
  status?: ConversionStatus;
}

/** The query GET /v1/conversions takes (without cursor, limit and format). */
export interface ConversionQuery extends ListQuery {
  status?: ConversionStatus;
}

/** The filters in the address; anything malformed is ignored. */
export function filtersFromParams(p: URLSearchParams): ConversionFilters {
  const f: ConversionFilters = listFiltersFromParams(p);
  const status = p.get("status");
  if (status && (CONVERSION_STATUSES as readonly string[]).includes(status)) {
    f.status = status as ConversionStatus;
  }
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

/** The API's query: whole days in the browser's zone (listFiltersToQuery). */
export function filtersToQuery(f: ConversionFilters): ConversionQuery {
  const q: ConversionQuery = listFiltersToQuery(f);
  if (f.status) q.status = f.status;
  return q;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The one conversion the address names (`?id=<uuid>`, from a link such as a points ledger
 * entry's), or null: the page then shows it alone instead of the list.
 */
export function conversionIdFromParams(p: URLSearchParams): string | null {
  const id = p.get("id")?.trim() ?? "";
  return UUID.test(id) ? id.toLowerCase() : null;
}
