import { useInfiniteQuery } from "@tanstack/react-query";
import { api, call } from "../client";

export const linksKey = ["links"] as const;

/** How many links each page asks for. */
const PAGE_SIZE = 50;

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
