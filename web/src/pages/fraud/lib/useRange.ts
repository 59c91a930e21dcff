import { useMemo } from "react";
import { readRange } from "./range";

/**
 * The range a page's URL names, computed again when the URL or the UTC day changes (not on
 * every render, so the query's key stays the same).
 */
export function useRange(params: URLSearchParams) {
  const today = new Date().toISOString().slice(0, 10);
  return useMemo(() => readRange(params, new Date(`${today}T12:00:00Z`)), [params, today]);
}
