import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

type OfferStatus = Schemas["OfferStatus"];
type OfferInput = Schemas["OfferInput"];
type NewOffer = Schemas["NewOffer"];

export const offerKeys = {
  all: ["offers"] as const,
  list: (status: OfferStatus | undefined) => ["offers", "list", status ?? "all"] as const,
  names: ["offers", "names"] as const,
  one: (id: number) => ["offers", "one", id] as const,
  history: (id: number) => ["offers", "history", id] as const,
};

/** The caller's offers (GET /v1/offers), a page at a time. */
export function useOffers(status: OfferStatus | undefined) {
  return useInfiniteQuery({
    queryKey: offerKeys.list(status),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/offers", {
          params: {
            query: { ...(status ? { status } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/**
 * The caller's first 200 offers by id, for naming offers in other lists (conversions). Only
 * advertisers and admins may list offers; others get nothing.
 */
export function useOfferNames(enabled: boolean) {
  return useQuery({
    queryKey: offerKeys.names,
    enabled,
    queryFn: async () => {
      const page = await call(api.GET("/v1/offers", { params: { query: { limit: 200 } } }));
      return page.data.map((o) => ({ id: o.id, name: o.name }));
    },
  });
}

export function useOffer(id: number) {
  return useQuery({
    queryKey: offerKeys.one(id),
    queryFn: () => call(api.GET("/v1/offers/{id}", { params: { path: { id } } })),
  });
}

export function useOfferHistory(id: number) {
  return useQuery({
    queryKey: offerKeys.history(id),
    queryFn: () => call(api.GET("/v1/offers/{id}/history", { params: { path: { id } } })),
  });
}

export function useCreateOffer() {
  const qc = useQueryClient();
  return useMutation({
    // The form's body as it is: the API names a required field left empty (NewOffer).
    mutationFn: (body: OfferInput) => call(api.POST("/v1/offers", { body: body as NewOffer })),
    onSuccess: (offer) => {
      qc.setQueryData(offerKeys.one(offer.id), offer);
      return qc.invalidateQueries({ queryKey: offerKeys.all });
    },
  });
}

export function useUpdateOffer(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: OfferInput) =>
      call(api.PATCH("/v1/offers/{id}", { params: { path: { id } }, body })),
    onSuccess: (offer) => {
      qc.setQueryData(offerKeys.one(id), offer);
      return qc.invalidateQueries({ queryKey: offerKeys.all });
    },
  });
}

export type OfferAction = "submit" | "withdraw" | "pause" | "resume" | "archive";

/** A move through the workflow (POST /v1/offers/{id}/{action}). */
export function useOfferAction(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (action: OfferAction) => {
      const init = { params: { path: { id } } };
      switch (action) {
        case "submit":
          return call(api.POST("/v1/offers/{id}/submit", init));
        case "withdraw":
          return call(api.POST("/v1/offers/{id}/withdraw", init));
        case "pause":
          return call(api.POST("/v1/offers/{id}/pause", init));
        case "resume":
          return call(api.POST("/v1/offers/{id}/resume", init));
        case "archive":
          return call(api.POST("/v1/offers/{id}/archive", init));
      }
    },
    onSuccess: (offer) => {
      qc.setQueryData(offerKeys.one(id), offer);
      return qc.invalidateQueries({ queryKey: offerKeys.all });
    },
  });
}

export interface PromoterStatsQuery {
  from: string;
  to: string;
  tz: string;
}

/**
 * Stats of the promoters on the caller's offers (GET /v1/stats grouped by promoter): one row
 * per month and promoter, the fewest periods the API allows for a range.
 */
export function usePromoterStats(q: PromoterStatsQuery) {
  return useQuery({
    queryKey: ["stats", "promoters", q] as const,
    queryFn: () =>
      call(
        api.GET("/v1/stats", {
          params: { query: { ...q, group_by: "promoter", granularity: "month" } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}
