import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export const apiKeysKey = ["api-keys"] as const;

/** The caller's API keys, newest first (never their secrets). */
export function useApiKeys() {
  return useQuery({ queryKey: apiKeysKey, queryFn: () => call(api.GET("/v1/api-keys")) });
}

/** Creates a key; the answer holds the whole key, the only time it is shown. */
export function useCreateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["CreateKey"]) => call(api.POST("/v1/api-keys", { body })),
    onSuccess: () => client.invalidateQueries({ queryKey: apiKeysKey }),
  });
}

/** Rotates a key: a successor (shown once); the old key works for the grace period. */
export function useRotateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, graceSeconds }: { id: string; graceSeconds: number }) =>
      call(
        api.POST("/v1/api-keys/{id}/rotate", {
          params: { path: { id } },
          body: { grace_seconds: graceSeconds },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: apiKeysKey }),
  });
}

/** Replaces the networks a key may be used from (empty: anywhere); answers the key. */
export function useUpdateApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ id, ipAllow }: { id: string; ipAllow: string[] }) =>
      call(
        api.PATCH("/v1/api-keys/{id}", {
          params: { path: { id } },
          body: { ip_allow: ipAllow },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: apiKeysKey }),
  });
}

/** Revokes a key at once. */
export function useRevokeApiKey() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => call(api.DELETE("/v1/api-keys/{id}", { params: { path: { id } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: apiKeysKey }),
  });
}
