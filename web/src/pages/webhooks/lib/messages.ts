// The delivery log as the pages show it: message statuses, what each attempt came to, the
// payload made readable, and the range of a "redeliver the failed ones" (the API's rules are
// in control-plane/src/webhooks/http/messages.rs).
import type { Schemas } from "../../../api/client";

export type MessageView = Schemas["MessageView"];
export type AttemptView = Schemas["AttemptView"];

/** The statuses the log filters by, in the filter's order. */
export const MESSAGE_STATUSES = ["pending", "delivered", "failed"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** A status the API names (anything else: "unknown", shown as it is). */
export function messageStatus(status: string): MessageStatus | "unknown" {
  return (MESSAGE_STATUSES as readonly string[]).includes(status)
    ? (status as MessageStatus)
    : "unknown";
}

/** The `status` filter from the address, if it is one the API takes. */
export function statusFilter(param: string | null): MessageStatus | undefined {
  const s = messageStatus(param ?? "");
  return s === "unknown" ? undefined : s;
}

/** The badge class of a message status. */
export function messageBadge(status: string): string {
  switch (messageStatus(status)) {
    case "delivered":
      return "badge badge-ok";
    case "failed":
      return "badge badge-danger";
    case "pending":
      return "badge badge-warn";
    case "unknown":
      return "badge";
  }
}

/** Only a delivered or failed message can be sent again (a pending one is waiting already). */
export function canRedeliver(status: string): boolean {
  const s = messageStatus(status);
  return s === "delivered" || s === "failed";
}

/** Whether a page of the log has a message still waiting (the log then refreshes itself). */
export function anyPending(messages: readonly { status: string }[]): boolean {
  return messages.some((m) => m.status === "pending");
}

/** What an attempt came to: a 2xx answer, another answer, or none (timeout, refused…). */
export type Outcome = "ok" | "http_error" | "no_answer";

export function attemptOutcome(a: Pick<AttemptView, "status_code">): Outcome {
  const code = a.status_code;
  if (code == null) return "no_answer";
  return code >= 200 && code < 300 ? "ok" : "http_error";
}

/** A webhook's JSON body indented; a postback's URL (or any other text) as it is. */
export function readablePayload(payload: string): string {
  const text = payload.trim();
  if (!text.startsWith("{") && !text.startsWith("[")) return payload;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return payload;
  }
}

/**
 * A time typed into a datetime-local input ("2026-12-05T14:30", the browser's zone) as the
 * instant the API takes (RFC 3339, UTC); undefined for an empty or unreadable input.
 */
export function localToInstant(local: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(local)) return undefined;
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/** What is wrong with a redelivery range, field by field. */
export interface RangeProblems {
  from?: "invalid";
  to?: "invalid" | "not_after_from";
}

/**
 * The body of "redeliver the failed messages" from two datetime-local inputs (either may be
 * empty: since the first, until now), or what is wrong with them (the API wants `to` after
 * `from`).
 */
export function redeliverRange(
  from: string,
  to: string,
): { body: Schemas["RedeliverRange"] } | { problems: RangeProblems } {
  const problems: RangeProblems = {};
  const f = from ? localToInstant(from) : undefined;
  const t = to ? localToInstant(to) : undefined;
  if (from && !f) problems.from = "invalid";
  if (to && !t) problems.to = "invalid";
  if (f && t && Date.parse(f) >= Date.parse(t)) problems.to = "not_after_from";
  if (problems.from || problems.to) return { problems };
  const body: Schemas["RedeliverRange"] = {};
  if (f) body.from = f;
  if (t) body.to = t;
  return { body };
}
