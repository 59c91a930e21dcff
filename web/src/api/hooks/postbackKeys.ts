import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Schemas } from "../client";
import { loose } from "./offers";

export const postbackKeyKeys = { all: ["postback-keys"] as const };

/** The caller's (advertiser's) postback keys, newest first. */
export function usePostbackKeys() {
  return useQuery({
    queryKey: postbackKeyKeys.all,
    queryFn: () => loose.get<Schemas["PostbackKeyList"]>("/v1/postback-keys"),
  });
}

/** Creates a key; the answer is the only time the key and its URL are shown. */
export function useCreatePostbackKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["CreatePostbackKey"]) =>
      loose.post<Schemas["NewPostbackKey"]>("/v1/postback-keys", { body }),
    onSuccess: () => qc.invalidateQueries({ queryKey: postbackKeyKeys.all }),
  });
}

export function useRevokePostbackKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      loose.delete<undefined>("/v1/postback-keys/{id}", { params: { path: { id } } }),
    onSuccess: () => qc.invalidateQueries({ queryKey: postbackKeyKeys.all }),
  });
}
