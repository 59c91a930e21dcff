import { keepPreviousData, useInfiniteQuery } from "@tanstack/react-query";
import { api, call } from "../client";
import { fetchCsv } from "../csvExport";

/** GET /v1/clicks' filters (the API scopes the list to the caller). */
export interface ClickQuery {
  offer_id?: number;
  /** `ok`, `bot`, `offer_paused`, `geo_blocked`. */
  verdict?: string;
  /** `any` (flagged), `none` (clean) or a reason code. */
  fraud?: string;
  /** RFC 3339; without it, 7 days before `to`. */
  from?: string;
  /** RFC 3339, exclusive; without it, now. At most 93 days after `from`. */
  to?: string;
}

export const clickKeys = {
  all: ["clicks"] as const,
  list: (q: ClickQuery) => ["clicks", "list", q] as const,
};

/** The caller's clicks, newest first, a page per cursor. */
export function useClicks(q: ClickQuery) {
  return useInfiniteQuery({
    queryKey: clickKeys.list(q),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/clicks", {
          params: { query: { ...q, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** The clicks as CSV with the same filters, every page of them (see fetchCsv). */
export function fetchClicksCsv(q: ClickQuery, join: (pages: string[]) => string): Promise<Blob> {
  return fetchCsv("/v1/clicks", q, join);
}
