import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";
import { leaderboardKeys } from "./leaderboards";

export type PointsView = Schemas["PointsView"];
export type LevelView = Schemas["LevelView"];
export type LedgerEntry = Schemas["LedgerEntryView"];
export type LedgerPage = Schemas["LedgerPage"];

export const pointsKeys = {
  all: ["points"] as const,
  levels: ["points", "levels"] as const,
  mine: ["points", "me"] as const,
  standing: (id: number) => ["points", "standing", id] as const,
  ledgers: ["points", "ledger"] as const,
  /** `null`: the caller's own ledger (a promoter's). */
  ledger: (id: number | null) => ["points", "ledger", id] as const,
};

/** The levels, lowest first (they change only with the control plane's settings). */
export function useLevels() {
  return useQuery({
    queryKey: pointsKeys.levels,
    queryFn: () => call(api.GET("/v1/points/levels")),
    staleTime: 10 * 60_000,
  });
}

/** The signed-in promoter's points, level and progress (403 for other roles). */
export function useMyPoints() {
  return useQuery({
    queryKey: pointsKeys.mine,
    queryFn: () => call(api.GET("/v1/points/me")),
  });
}

/** A promoter's points, level and progress (admins). */
export function usePromoterPoints(id: number) {
  return useQuery({
    queryKey: pointsKeys.standing(id),
    queryFn: () => call(api.GET("/v1/admin/promoters/{id}/points", { params: { path: { id } } })),
  });
}

/**
 * A ledger, newest first, a page at a time: the caller's own (`promoterId` null, promoters)
 * or a promoter's (admins).
 */
export function useLedger(promoterId: number | null) {
  return useInfiniteQuery({
    queryKey: pointsKeys.ledger(promoterId),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/points/ledger", {
          params: {
            query: {
              ...(promoterId === null ? {} : { promoter_id: promoterId }),
              ...(pageParam ? { cursor: pageParam } : {}),
              limit: 50,
            },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

/**
 * An admin's adjustment of a promoter's points with a reason the promoter sees. The answer is
 * the new standing, shown at once; the promoter's ledger is read again.
 */
export function useAdjustPoints() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, points, reason }: { id: number; points: number; reason: string }) =>
      call(
        api.POST("/v1/admin/promoters/{id}/points", {
          params: { path: { id } },
          body: { points, reason },
        }),
      ),
    onSuccess: (view, { id }) => {
      client.setQueryData(pointsKeys.standing(id), view);
    },
    onSettled: (_data, _error, { id }) =>
      Promise.all([
        client.invalidateQueries({ queryKey: pointsKeys.standing(id) }),
        client.invalidateQueries({ queryKey: pointsKeys.ledger(id) }),
        // The promoter's place on the leaderboards moved too.
        client.invalidateQueries({ queryKey: leaderboardKeys.all }),
      ]),
  });
}
