import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";
import { networkError, toApiError } from "../errors";

/** GET /v1/conversions' filters (the API scopes the list to the caller). */
export interface ConversionQuery {
  status?: Schemas["ConversionStatus"];
  offer_id?: number;
  from?: string;
  to?: string;
}

export const conversionKeys = {
  all: ["conversions"] as const,
  list: (q: ConversionQuery) => ["conversions", "list", q] as const,
  audit: (id: string) => ["conversions", "audit", id] as const,
};

export function useConversions(q: ConversionQuery) {
  return useInfiniteQuery({
    queryKey: conversionKeys.list(q),
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

export function useConversionAudit(id: string, enabled: boolean) {
  return useQuery({
    queryKey: conversionKeys.audit(id),
    enabled,
    queryFn: () => call(api.GET("/v1/conversions/{id}/audit", { params: { path: { id } } })),
  });
}

export type Decision = "approve" | "reject" | "reverse";

/** An advertiser's decision on a conversion, with an optional reason for the audit trail. */
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

/** Most rows a CSV page holds (the API's limit); an export follows pages up to MAX_PAGES. */
const CSV_PAGE = 10_000;
const MAX_PAGES = 20;

/**
 * The conversions as CSV (format=csv), every page of them (the next page's cursor comes in
 * X-Next-Cursor), fetched with the session's token; `join` makes one document of them.
 */
export async function fetchConversionsCsv(
  q: ConversionQuery,
  join: (pages: string[]) => string,
): Promise<Blob> {
  const pages: string[] = [];
  let cursor: string | null = null;
  do {
    const query: Record<string, unknown> = { ...q, format: "csv", limit: CSV_PAGE };
    if (cursor) query.cursor = cursor;
    let answer: { data?: unknown; error?: unknown; response: Response };
    try {
      answer = await api.GET(
        "/v1/conversions" as never,
        {
          params: { query },
          parseAs: "text",
        } as never,
      );
    } catch (cause) {
      throw networkError(cause);
    }
    if (!answer.response.ok) {
      throw toApiError(answer.response.status, answer.error, answer.response.headers);
    }
    pages.push(String(answer.data ?? ""));
    cursor = answer.response.headers.get("x-next-cursor");
  } while (cursor && pages.length < MAX_PAGES);
  return new Blob([join(pages)], { type: "text/csv;charset=utf-8" });
}
