import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export const linksKey = ["links"] as const;

/** How many links each page asks for. */
const PAGE_SIZE = 50;

/** The most pages `useAllLinks` reads (200 links each): a bound, not an expected size. */
const MAX_PAGES = 50;

/** The caller's tracking links, a page per cursor (GET /v1/links). */
export function useLinks() {
  return useInfiniteQuery({
    queryKey: [...linksKey, "list"],
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/links", {
          params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

/**
 * Every one of the caller's links, all pages read (for a choice of the offers a promoter
 * joined: a link per joined offer). Only when `enabled`.
 */
export function useAllLinks(enabled = true) {
  return useQuery({
    queryKey: [...linksKey, "all"],
    enabled,
    queryFn: async () => {
      const links: Schemas["LinkView"][] = [];
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await call(
          api.GET("/v1/links", {
            params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } },
          }),
        );
        links.push(...answer.data);
        cursor = answer.next_cursor ?? undefined;
        if (!cursor) break;
      }
      return links;
    },
  });
}
