import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export const postbackKeyKeys = { all: ["postback-keys"] as const };

/** The caller's (advertiser's) postback keys, newest first. */
export function usePostbackKeys() {
  return useQuery({
    queryKey: postbackKeyKeys.all,
    queryFn: () => call(api.GET("/v1/postback-keys")),
  });
}

/** Creates a key; the answer is the only time the key and its URL are shown. */
export function useCreatePostbackKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["CreatePostbackKey"]) =>
      call(api.POST("/v1/postback-keys", { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: postbackKeyKeys.all }),
  });
}

export function useRevokePostbackKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      call(api.DELETE("/v1/postback-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: postbackKeyKeys.all }),
  });
}
