import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export const postbackKeys = {
  all: ["promoter-postbacks"] as const,
  one: (id: number) => ["promoter-postbacks", id] as const,
};

/** How many postbacks each page asks for. */
const PAGE_SIZE = 50;

/** The promoter's postbacks (an admin: every promoter's), a page per cursor. */
export function usePostbacks() {
  return useInfiniteQuery({
    queryKey: postbackKeys.all,
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/promoter-postbacks", {
          params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function usePostback(id: number) {
  return useQuery({
    queryKey: postbackKeys.one(id),
    queryFn: () => call(api.GET("/v1/promoter-postbacks/{id}", { params: { path: { id } } })),
  });
}

/** Creates a postback for one joined offer or for all (409 postback_exists: one is there). */
export function useCreatePostback() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["CreatePostback"]) =>
      call(api.POST("/v1/promoter-postbacks", { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: postbackKeys.all }),
  });
}

/** Changes a postback's URL, whether it fires on reversals, or whether it fires at all. */
export function useUpdatePostback() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: Schemas["UpdatePostback"] }) =>
      call(api.PATCH("/v1/promoter-postbacks/{id}", { params: { path: { id } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: postbackKeys.all }),
  });
}

/** Deletes a postback with its delivery log. */
export function useDeletePostback() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(api.DELETE("/v1/promoter-postbacks/{id}", { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: postbackKeys.all }),
  });
}
