import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

/** Whose delivery log: a webhook endpoint's or a promoter postback's. */
export type LogKind = "webhook" | "postback";

/** The message statuses the log filters by. */
export type MessageStatusFilter = "pending" | "delivered" | "failed";

export const webhookKeys = {
  all: ["webhooks"] as const,
  eventTypes: ["webhooks", "event-types"] as const,
  endpoints: ["webhooks", "endpoints"] as const,
  endpoint: (id: number) => ["webhooks", "endpoints", id] as const,
  messages: (kind: LogKind, id: number) => ["webhooks", "messages", kind, id] as const,
};

/** How many rows each page asks for. */
const PAGE_SIZE = 50;

/** How often the log asks again while a message is still waiting for an attempt. */
const PENDING_REFRESH_MS = 2_000;

/** The event types the caller's endpoints may subscribe to (the API knows the role). */
export function useEventTypes() {
  return useQuery({
    queryKey: webhookKeys.eventTypes,
    queryFn: () => call(api.GET("/v1/webhooks/event-types")),
    staleTime: 10 * 60_000,
  });
}

/** The caller's endpoints (an admin: every endpoint), a page per cursor. */
export function useEndpoints() {
  return useInfiniteQuery({
    queryKey: webhookKeys.endpoints,
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/webhooks/endpoints", {
          params: { query: { limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
  });
}

export function useEndpoint(id: number) {
  return useQuery({
    queryKey: webhookKeys.endpoint(id),
    queryFn: () => call(api.GET("/v1/webhooks/endpoints/{id}", { params: { path: { id } } })),
  });
}

/** Creates an endpoint; the answer holds its secret, the only time it is shown. */
export function useCreateEndpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["CreateEndpoint"]) =>
      call(api.POST("/v1/webhooks/endpoints", { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.endpoints }),
  });
}

/** Changes an endpoint (URL, description, event types, enabled). */
export function useUpdateEndpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, body }: { id: number; body: Schemas["UpdateEndpoint"] }) =>
      call(api.PATCH("/v1/webhooks/endpoints/{id}", { params: { path: { id } }, body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.endpoints }),
  });
}

/** Deletes an endpoint with its delivery log. */
export function useDeleteEndpoint() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(api.DELETE("/v1/webhooks/endpoints/{id}", { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.endpoints }),
  });
}

/** A new secret (shown once); the previous one keeps signing for a day. */
export function useRotateSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      call(api.POST("/v1/webhooks/endpoints/{id}/secret/rotate", { params: { path: { id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.endpoints }),
  });
}

/** Sends a test event (webhook) or fires the postback with test values; its message id. */
export function useSendTest(kind: LogKind) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: number) =>
      kind === "webhook"
        ? call(api.POST("/v1/webhooks/endpoints/{id}/test", { params: { path: { id } } }))
        : call(api.POST("/v1/promoter-postbacks/{id}/test", { params: { path: { id } } })),
    onSuccess: (_, id) => qc.invalidateQueries({ queryKey: webhookKeys.messages(kind, id) }),
  });
}

/**
 * The delivery log of an endpoint or postback, newest first, a page per cursor; it asks
 * again every few seconds while a loaded message is still pending.
 */
export function useMessages(kind: LogKind, id: number, status: MessageStatusFilter | undefined) {
  return useInfiniteQuery({
    queryKey: [...webhookKeys.messages(kind, id), status ?? "all"],
    queryFn: ({ pageParam }) => {
      const query = {
        limit: PAGE_SIZE,
        ...(status ? { status } : {}),
        ...(pageParam ? { cursor: pageParam } : {}),
      };
      const params = { path: { id }, query };
      return kind === "webhook"
        ? call(api.GET("/v1/webhooks/endpoints/{id}/messages", { params }))
        : call(api.GET("/v1/promoter-postbacks/{id}/messages", { params }));
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((p) => p.data.some((m) => m.status === "pending"))
        ? PENDING_REFRESH_MS
        : false,
  });
}

/** Sends one delivered or failed message again. */
export function useRedeliverMessage(kind: LogKind, endpointId: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (messageId: string) =>
      call(
        api.POST("/v1/webhooks/messages/{id}/redeliver", {
          params: { path: { id: messageId } },
        }),
      ),
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.messages(kind, endpointId) }),
  });
}

/** Sends every failed message of the endpoint or postback made in a range again. */
export function useRedeliverFailed(kind: LogKind, id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas["RedeliverRange"]) => {
      const init = { params: { path: { id } }, body };
      return kind === "webhook"
        ? call(api.POST("/v1/webhooks/endpoints/{id}/redeliver", init))
        : call(api.POST("/v1/promoter-postbacks/{id}/redeliver", init));
    },
    onSuccess: () => qc.invalidateQueries({ queryKey: webhookKeys.messages(kind, id) }),
  });
}
