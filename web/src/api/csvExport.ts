import { api } from "./client";
import { networkError, toApiError } from "./errors";

/** Most rows a CSV page holds (the API's limit); an export follows pages up to MAX_PAGES. */
const CSV_PAGE = 10_000;
const MAX_PAGES = 20;

/** The lists that answer CSV with `format=csv`, a page per `X-Next-Cursor`. */
export type CsvList = "/v1/conversions" | "/v1/clicks";

/**
 * A list as CSV (format=csv), every page of it (the next page's cursor comes in
 * X-Next-Cursor), fetched with the session's token (a plain link would go without it); `join`
 * makes one document of the pages.
 */
export async function fetchCsv(
  path: CsvList,
  q: object,
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
        path as never,
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
