// The marketplace's filters live in the page's URL (so a filtered view can be shared and
// the back button works); this turns search params into filters, filters into search
// params, and filters into the API's query.
import type { MarketQuery } from "../../api/hooks/marketplace";

export const PAYOUT_MODELS = ["cpa", "cpl", "cps", "revshare"] as const;
export type PayoutModel = (typeof PAYOUT_MODELS)[number];
export const SORTS = ["newest", "payout"] as const;
export type Sort = (typeof SORTS)[number];

export interface MarketFilters {
  category?: string;
  payoutModel?: PayoutModel;
  country?: string;
  sort: Sort;
  q?: string;
}

/** The longest search text the API takes (characters, after trimming). */
export const MAX_SEARCH = 100;

/** How many offers each page asks for. */
export const MARKET_PAGE_SIZE = 24;

function oneOf<T extends string>(values: readonly T[], v: string | null): T | undefined {
  return values.find((x) => x === v);
}

/** A category as the API compares it: trimmed, lower case; empty means none. */
export function normalCategory(v: string | null | undefined): string | undefined {
  const c = (v ?? "").trim().toLowerCase();
  return c === "" ? undefined : c;
}

/** A country code as the API takes it (two letters or digits, upper case), else undefined. */
export function normalCountry(v: string | null | undefined): string | undefined {
  const c = (v ?? "").trim().toUpperCase();
  return /^[A-Z0-9]{2}$/.test(c) ? c : undefined;
}

/** The filters a URL's search params name; unknown or malformed values are ignored. */
export function filtersFromSearch(params: URLSearchParams): MarketFilters {
  const f: MarketFilters = { sort: oneOf(SORTS, params.get("sort")) ?? "newest" };
  const category = normalCategory(params.get("category"));
  if (category) f.category = category;
  const model = oneOf(PAYOUT_MODELS, params.get("payout_model"));
  if (model) f.payoutModel = model;
  const country = normalCountry(params.get("country"));
  if (country) f.country = country;
  const q = (params.get("q") ?? "").trim();
  if (q) f.q = q;
  return f;
}

/** The search params for filters, leaving out what is not set and the default sort. */
export function searchFromFilters(f: MarketFilters): URLSearchParams {
  const p = new URLSearchParams();
  if (f.q) p.set("q", f.q);
  if (f.category) p.set("category", f.category);
  if (f.payoutModel) p.set("payout_model", f.payoutModel);
  if (f.country) p.set("country", f.country);
  if (f.sort !== "newest") p.set("sort", f.sort);
  return p;
}

/** The API's query for the filters (without the cursor, which each page adds). */
export function marketQuery(f: MarketFilters): MarketQuery {
  const q: MarketQuery = { limit: MARKET_PAGE_SIZE };
  if (f.category) q.category = f.category;
  if (f.payoutModel) q.payout_model = f.payoutModel;
  if (f.country) q.country = f.country;
  if (f.q) q.q = f.q;
  if (f.sort !== "newest") q.sort = f.sort;
  return q;
}

/** Whether any filter (other than the sort) narrows the list. */
export function isFiltered(f: MarketFilters): boolean {
  return Boolean(f.category || f.payoutModel || f.country || f.q);
}
