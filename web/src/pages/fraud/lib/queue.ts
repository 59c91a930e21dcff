// The admins' fraud queue filters (risk level and range) in the page's URL, and the API
// query they make.
import type { Level, QueueQuery } from "../../../api/hooks/fraud";
import { type RangeView, readRange, writeRange } from "./range";

export const levels: readonly Level[] = ["high", "medium", "low"];

/** Promoters a queue page asks for. */
export const QUEUE_PAGE = 25;

export interface QueueFilters {
  range: RangeView;
  /** Only promoters at this level. */
  risk: Level | null;
}

export function readQueueFilters(params: URLSearchParams, now: Date): QueueFilters {
  const risk = params.get("risk");
  return {
    range: readRange(params, now),
    risk: levels.find((l) => l === risk) ?? null,
  };
}

export function writeQueueFilters(filters: QueueFilters): URLSearchParams {
  const params = writeRange(filters.range);
  if (filters.risk) params.set("risk", filters.risk);
  return params;
}

/** GET /v1/admin/fraud/queue's query for these filters (without the cursor). */
export function queueQuery(filters: QueueFilters): Omit<QueueQuery, "cursor"> {
  const q: Omit<QueueQuery, "cursor"> = {
    from: filters.range.from,
    to: filters.range.to,
    limit: QUEUE_PAGE,
  };
  if (filters.risk) q.risk = filters.risk;
  return q;
}
