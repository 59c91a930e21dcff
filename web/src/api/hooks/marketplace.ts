import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";
import type { paths } from "../schema";
import { linksKey } from "./links";

/** The marketplace's filters and page size, as GET /v1/marketplace/offers takes them. */
type BrowseQuery = paths["/v1/marketplace/offers"]["get"]["parameters"]["query"];
export type MarketQuery = Omit<NonNullable<BrowseQuery>, "cursor">;

export const marketplaceKey = ["marketplace"] as const;

/** Approved offers matching the filters, a page per cursor (GET /v1/marketplace/offers). */
export function useMarketplace(query: MarketQuery) {
  return useInfiniteQuery({
    queryKey: [...marketplaceKey, "list", query],
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/marketplace/offers", {
          params: { query: pageParam ? { ...query, cursor: pageParam } : query },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/** One approved offer (GET /v1/marketplace/offers/{id}). */
export function useMarketOffer(id: number) {
  return useQuery({
    queryKey: [...marketplaceKey, "offer", id],
    queryFn: () => call(api.GET("/v1/marketplace/offers/{id}", { params: { path: { id } } })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

export interface Joined {
  link: Schemas["LinkView"];
  /** 201: a new link; 200: the promoter had already joined and gets the same link. */
  created: boolean;
}

/** Joins an offer: the promoter's tracking link for it (POST …/join). */
export function useJoinOffer(id: number) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (): Promise<Joined> => {
      let created = false;
      const link = await call(
        api.POST("/v1/marketplace/offers/{id}/join", { params: { path: { id } } }).then((a) => {
          created = a.response.status === 201;
          return a;
        }),
      );
      return { link, created };
    },
    onSuccess: () => client.invalidateQueries({ queryKey: linksKey }),
  });
}
