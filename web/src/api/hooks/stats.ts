import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";
import type { operations } from "../schema";

export type StatsQuery = operations["stats_stats"]["parameters"]["query"];
export type StatsAnswer = Schemas["StatsAnswer"];
export type StatsRow = Schemas["StatsRow"];
export type LiveAnswer = Schemas["LiveAnswer"];
export type Granularity = Schemas["Granularity"];
export type GroupBy = Schemas["GroupBy"];

export const statsKeys = {
  all: ["stats"] as const,
  range: (q: StatsQuery) => ["stats", "range", q] as const,
  live: (offerId: number | null) => ["stats", "live", offerId] as const,
};

/** How often the live counters are read again while the page is visible. */
export const LIVE_INTERVAL_MS = 5_000;

/**
 * GET /v1/stats for a range, scoped by the API to the caller. While another range loads,
 * the previous answer stays on screen (`isPlaceholderData` tells).
 */
export function useStats(query: StatsQuery) {
  return useQuery({
    queryKey: statsKeys.range(query),
    queryFn: () => call(api.GET("/v1/stats", { params: { query } })),
    placeholderData: keepPreviousData,
  });
}

/**
 * GET /v1/stats/live: today's counters (the UTC day), read again every 5 s while the tab is
 * visible (TanStack Query pauses the interval in a hidden tab). `offerId` narrows them to
 * one offer (advertisers and admins only).
 */
export function useLiveStats(offerId: number | null = null) {
  return useQuery({
    queryKey: statsKeys.live(offerId),
    queryFn: () =>
      call(
        api.GET("/v1/stats/live", {
          params: { query: offerId === null ? {} : { offer_id: offerId } },
        }),
      ),
    refetchInterval: LIVE_INTERVAL_MS,
    refetchIntervalInBackground: false,
    staleTime: LIVE_INTERVAL_MS,
  });
}
