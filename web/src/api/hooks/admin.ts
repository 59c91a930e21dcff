import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export const reviewQueueKey = ["admin", "review-queue"] as const;

const PAGE = 20;

/** Offers waiting for review, oldest first, a page at a time. */
export function useReviewQueue() {
  return useInfiniteQuery({
    queryKey: reviewQueueKey,
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/admin/review-queue", {
          params: { query: { cursor: pageParam, limit: PAGE } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

/** Approves an offer under review (it goes live); the queue is read again. */
export function useApproveOffer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(api.POST("/v1/admin/offers/{id}/approve", { params: { path: { id } } })),
    onSettled: () => client.invalidateQueries({ queryKey: reviewQueueKey }),
  });
}

/** Rejects an offer under review with a reason the advertiser sees; the queue is read again. */
export function useRejectOffer() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, reason }: { id: number; reason: string }) =>
      call(
        api.POST("/v1/admin/offers/{id}/reject", {
          params: { path: { id } },
          body: { reason },
        }),
      ),
    onSettled: () => client.invalidateQueries({ queryKey: reviewQueueKey }),
  });
}

export const usersKey = ["admin", "users"] as const;

/** Users, newest first, filtered by role and text, a page at a time. */
export function useUsers(filters: { role?: Schemas["Role"]; q?: string }) {
  return useInfiniteQuery({
    queryKey: [...usersKey, filters],
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/admin/users", {
          params: { query: { ...filters, cursor: pageParam, limit: 50 } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}
