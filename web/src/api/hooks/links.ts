import { useInfiniteQuery } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export const linksKey = ["links"] as const;

/** How many links each page asks for. */
const PAGE_SIZE = 50;

/** The caller's tracking links, a page per cursor (GET /v1/links). */
export function useLinks() {
  return useInfiniteQuery({
    queryKey: [...linksKey, "list"],
    queryFn: async ({ pageParam }): Promise<Schemas["LinkPage"]> => {
      const query = { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) };
      // The OpenAPI document gives several handlers the same operation id ("list"), so
      // schema.d.ts types GET /v1/links with the API keys' list (no query, a KeyList). The
      // casts name the link page's real shape (LinkPage, LinkQuery) until the ids are unique.
      const page = await call(api.GET("/v1/links", { params: { query: query as never } }));
      return page as unknown as Schemas["LinkPage"];
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}
