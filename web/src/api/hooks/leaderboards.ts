import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export type Board = Schemas["Board"];
export type Period = Schemas["Period"];
export type Place = Schemas["PlaceView"];
export type BoardPage = Schemas["BoardPage"];
export type MyPlace = Schemas["MyPlace"];

export const leaderboardKeys = {
  all: ["leaderboards"] as const,
  board: (board: Board, period: Period, limit: number) =>
    ["leaderboards", board, period, limit] as const,
  mine: (board: Board, period: Period, around: number) =>
    ["leaderboards", board, period, "me", around] as const,
};

/**
 * A board's places for a period, best first, `limit` at a time ("Load more" follows the
 * cursor; a cursor of a period that has ended is refused, and the board is read again).
 */
export function useBoard(board: Board, period: Period, limit: number) {
  return useInfiniteQuery({
    queryKey: leaderboardKeys.board(board, period, limit),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/leaderboards/{board}", {
          params: {
            path: { board },
            query: { period, limit, ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

/**
 * The signed-in promoter's place (or its team's) with `around` places on each side; `enabled`
 * false for other roles (the API answers them 403).
 */
export function useMyPlace(board: Board, period: Period, around: number, enabled = true) {
  return useQuery({
    queryKey: leaderboardKeys.mine(board, period, around),
    enabled,
    queryFn: () =>
      call(
        api.GET("/v1/leaderboards/{board}/me", {
          params: { path: { board }, query: { period, around } },
        }),
      ),
  });
}
