import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";
import { fetchCsv } from "../csvExport";

/** GET /v1/conversions' filters (the API scopes the list to the caller). */
export interface ConversionQuery {
  status?: Schemas["ConversionStatus"];
  offer_id?: number;
  /** `any` (flagged), `none` (clean) or a reason code. */
  fraud?: string;
  from?: string;
  to?: string;
}

export const conversionKeys = {
  all: ["conversions"] as const,
  list: (q: ConversionQuery) => ["conversions", "list", q] as const,
  audit: (id: string) => ["conversions", "audit", id] as const,
  one: (id: string) => ["conversions", "one", id] as const,
};

export function useConversions(q: ConversionQuery, enabled = true) {
  return useInfiniteQuery({
    queryKey: conversionKeys.list(q),
    enabled,
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/conversions", {
          params: { query: { ...q, ...(pageParam ? { cursor: pageParam } : {}) } },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/** One conversion (GET /v1/conversions/{id}, scoped to the caller by the API); none for null. */
export function useConversion(id: string | null) {
  return useQuery({
    queryKey: conversionKeys.one(id ?? ""),
    enabled: id !== null,
    queryFn: () => call(api.GET("/v1/conversions/{id}", { params: { path: { id: id ?? "" } } })),
  });
}

export function useConversionAudit(id: string, enabled: boolean) {
  return useQuery({
    queryKey: conversionKeys.audit(id),
    enabled,
    queryFn: () => call(api.GET("/v1/conversions/{id}/audit", { params: { path: { id } } })),
  });
}

export type Decision = "approve" | "reject" | "reverse";

/**
 * An advertiser's (or an admin's) decision on a conversion, with an optional reason for the
 * audit trail. Approving one rejected as fraud overrules its flags: attribution then decides
 * it as if clean, so the answer's status may be approved, duplicate, over_cap or out_of_window.
 */
export function useDecideConversion() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, decision, reason }: { id: string; decision: Decision; reason: string }) => {
      const body = reason.trim() ? { reason: reason.trim() } : {};
      const init = { params: { path: { id } }, body };
      switch (decision) {
        case "approve":
          return call(api.POST("/v1/conversions/{id}/approve", init));
        case "reject":
          return call(api.POST("/v1/conversions/{id}/reject", init));
        case "reverse":
          return call(api.POST("/v1/conversions/{id}/reverse", init));
      }
    },
    onSuccess: (_, { id }) =>
      Promise.all([
        qc.invalidateQueries({ queryKey: conversionKeys.all }),
        qc.invalidateQueries({ queryKey: conversionKeys.audit(id) }),
        qc.invalidateQueries({ queryKey: ["stats"] }),
      ]),
  });
}

/** The conversions as CSV, every page of them (see fetchCsv). */
export function fetchConversionsCsv(
  q: ConversionQuery,
  join: (pages: string[]) => string,
): Promise<Blob> {
  return fetchCsv("/v1/conversions", q, join);
}
