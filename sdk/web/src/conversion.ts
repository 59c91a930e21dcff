// Reporting a conversion to the edge: `POST {endpoint}/postback/{key}` (DESIGN §4, §16).

import type { Env, ResponseLike } from "./env.js";

/** A conversion's fields; each is optional and sent as given (the edge validates them). */
export interface ConversionInput {
  /** The advertiser's transaction id (≤ 128 bytes); without it, one conversion per click and event. */
  txid?: string | undefined;
  /** The amount, e.g. `49.9` or `"49.90"`. */
  amount?: number | string | undefined;
  /** ISO 4217 code, e.g. `EUR`. */
  currency?: string | undefined;
  /** The event name (`[A-Za-z0-9_.-]`, ≤ 64 bytes); the edge defaults it to `conversion`. */
  event?: string | undefined;
}

/**
 * Why a conversion was not recorded: `no_click_id` (no click id in the URL or cookie),
 * `not_configured` (key or endpoint missing or not publishable), `network` (no answer, after
 * one retry; a page whose origin the key does not allow also ends here, as the browser hides
 * the answer), `bad_response` (an answer without the edge's JSON), `internal` (a bug in the
 * SDK), or the edge's own code: `forbidden`, `missing_click_id`, `invalid_click_id`,
 * `invalid_amount`, `invalid_currency`, `invalid_txid`, `invalid_event`, `unavailable`.
 */
export type ConversionError =
  | "no_click_id"
  | "not_configured"
  | "network"
  | "bad_response"
  | "internal"
  | "forbidden"
  | "invalid_amount"
  | "invalid_currency"
  | "invalid_txid"
  | "invalid_event"
  | "unavailable"
  | (string & {});

/** What `conversion()` resolves to; it never rejects. */
export type ConversionResult =
  | {
      ok: true;
      /** The conversion event's id; absent when the request went by `sendBeacon`. */
      eventId?: string;
    }
  | {
      ok: false;
      error: ConversionError;
      /** The HTTP status, when the edge answered. */
      status?: number;
      /** The edge's explanation, or what failed on this side. */
      detail?: string;
    };

/** The postback URL for a publishable key. */
export function postbackUrl(endpoint: string, key: string): string {
  return `${endpoint}/postback/${encodeURIComponent(key)}`;
}

/**
 * The form body: `click_id` and the fields of `input` that are set (not undefined, null or
 * empty). A form body keeps the request a CORS "simple request", with no preflight.
 */
export function conversionBody(clickId: string, input?: ConversionInput): URLSearchParams {
  const body = new URLSearchParams({ click_id: clickId });
  const fields = (input && typeof input === "object" ? input : {}) as Record<string, unknown>;
  for (const name of ["txid", "amount", "currency", "event"]) {
    const value = fields[name];
    if (value !== undefined && value !== null && value !== "") body.append(name, String(value));
  }
  return body;
}

/** Reads the edge's answer: 200 `accepted` with its event id, or its error code and detail. */
export async function readAnswer(res: ResponseLike): Promise<ConversionResult> {
  const status = res.status;
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    // Not JSON (a proxy's error page): handled below as a bad response.
  }
  const answer = (json && typeof json === "object" ? json : {}) as Record<string, unknown>;
  if (status >= 200 && status < 300 && answer.status === "accepted") {
    return typeof answer.event_id === "string"
      ? { ok: true, eventId: answer.event_id }
      : { ok: true };
  }
  const error = typeof answer.error === "string" && answer.error ? answer.error : "bad_response";
  return typeof answer.detail === "string"
    ? { ok: false, error, status, detail: answer.detail }
    : { ok: false, error, status };
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Posts `body` to `url` with `fetch` (keepalive, so it survives the page being left), retrying
 * once when no answer came (never after an answer: the edge may have recorded it); without
 * `fetch`, queues it with `navigator.sendBeacon`.
 */
export async function send(
  env: Env,
  url: string,
  body: URLSearchParams,
): Promise<ConversionResult> {
  if (typeof env.fetch !== "function") {
    const nav = env.navigator;
    if (nav && typeof nav.sendBeacon === "function") {
      return nav.sendBeacon(url, body)
        ? { ok: true }
        : { ok: false, error: "network", detail: "sendBeacon did not queue the request" };
    }
    return { ok: false, error: "network", detail: "neither fetch nor sendBeacon is available" };
  }
  const init: RequestInit = {
    method: "POST",
    body,
    keepalive: true,
    mode: "cors",
    credentials: "omit",
  };
  // An async arrow, so a fetch that throws synchronously becomes a rejection like any other.
  const attempt = async () => (env.fetch as NonNullable<Env["fetch"]>).call(env, url, init);
  let res: ResponseLike;
  try {
    res = await attempt();
  } catch {
    try {
      res = await attempt();
    } catch (e) {
      return { ok: false, error: "network", detail: message(e) };
    }
  }
  return readAnswer(res);
}
