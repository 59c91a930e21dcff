import {
  type InfiniteData,
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";
import type { operations } from "../schema";

export type Insight = Schemas["InsightView"];
export type QueuePage = Schemas["QueuePage"];
export type QueueItem = Schemas["QueueItem"];
export type Level = Schemas["Level"];
export type SuspensionView = Schemas["SuspensionView"];
export type QueueQuery = NonNullable<operations["fraud_review_queue"]["parameters"]["query"]>;

/** A range of whole UTC days, both included (YYYY-MM-DD), as the fraud API takes it. */
export interface DayRange {
  from: string;
  to: string;
}

export const fraudKeys = {
  all: ["fraud"] as const,
  queues: ["fraud", "queue"] as const,
  queue: (q: QueueQuery) => ["fraud", "queue", q] as const,
  insights: ["fraud", "insight"] as const,
  promoterInsight: (id: number, range: DayRange, offerId: number | null) =>
    ["fraud", "insight", "promoter", id, range, offerId] as const,
  offerInsight: (id: number, range: DayRange) => ["fraud", "insight", "offer", id, range] as const,
  suspensions: (id: number) => ["fraud", "suspensions", id] as const,
};

/**
 * A promoter's traffic over a range (GET /v1/fraud/promoters/{id}/insight): its own for a
 * promoter, its traffic on the caller's offers for an advertiser, all of it for an admin;
 * `offerId` narrows it to one offer. The previous answer stays while another range loads.
 */
export function usePromoterInsight(id: number, range: DayRange, offerId: number | null = null) {
  return useQuery({
    queryKey: fraudKeys.promoterInsight(id, range, offerId),
    queryFn: () =>
      call(
        api.GET("/v1/fraud/promoters/{id}/insight", {
          params: {
            path: { id },
            query: offerId === null ? { ...range } : { ...range, offer_id: offerId },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** An offer's traffic over a range (GET /v1/fraud/offers/{id}/insight), scoped by the API. */
export function useOfferInsight(id: number, range: DayRange) {
  return useQuery({
    queryKey: fraudKeys.offerInsight(id, range),
    queryFn: () =>
      call(
        api.GET("/v1/fraud/offers/{id}/insight", {
          params: { path: { id }, query: { ...range } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** The admins' review queue: promoters with traffic in the range, highest risk first. */
export function useFraudQueue(query: Omit<QueueQuery, "cursor">) {
  return useInfiniteQuery({
    queryKey: fraudKeys.queue(query),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/admin/fraud/queue", {
          params: { query: { ...query, cursor: pageParam } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}

/** A promoter's suspension state and its history, newest first (admins). */
export function useSuspensions(id: number, enabled = true) {
  return useInfiniteQuery({
    queryKey: fraudKeys.suspensions(id),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/admin/promoters/{id}/suspensions", {
          params: { path: { id }, query: { cursor: pageParam, limit: 20 } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor ?? null,
    enabled,
  });
}

export type SuspensionAction = "suspend" | "reinstate";

/**
 * Suspends or reinstates a promoter with a reason. The queue rows of that promoter show the
 * new state at once; the queue, its suspensions and every insight are read again (a
 * suspension flags the promoter's new clicks).
 */
export function useChangeSuspension() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({
      id,
      action,
      reason,
    }: {
      id: number;
      action: SuspensionAction;
      reason: string;
    }) =>
      action === "suspend"
        ? call(
            api.POST("/v1/admin/promoters/{id}/suspend", {
              params: { path: { id } },
              body: { reason },
            }),
          )
        : call(
            api.POST("/v1/admin/promoters/{id}/reinstate", {
              params: { path: { id } },
              body: { reason },
            }),
          ),
    onSuccess: (done) => {
      client.setQueriesData<InfiniteData<QueuePage>>({ queryKey: fraudKeys.queues }, (old) =>
        old ? patchQueue(old, done) : old,
      );
    },
    onSettled: (_data, _error, { id }) =>
      Promise.all([
        client.invalidateQueries({ queryKey: fraudKeys.queues }),
        client.invalidateQueries({ queryKey: fraudKeys.suspensions(id) }),
        client.invalidateQueries({ queryKey: fraudKeys.insights }),
      ]),
  });
}

/** The queue's pages with one promoter's suspension state replaced by a change's answer. */
export function patchQueue(
  data: InfiniteData<QueuePage>,
  done: SuspensionView,
): InfiniteData<QueuePage> {
  return {
    ...data,
    pages: data.pages.map((page) => ({
      ...page,
      data: page.data.map((item) =>
        item.promoter.id === done.promoter_id
          ? {
              ...item,
              suspended_at: done.suspended_at ?? null,
              suspended_reason: done.suspended_reason ?? null,
            }
          : item,
      ),
    })),
  };
}
