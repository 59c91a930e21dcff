// The typed API client: paths and bodies come from schema.d.ts, generated from the control
// plane's /openapi.json (scripts/gen-api), so an API change that breaks a page breaks the build.
import createClient, { type Middleware } from "openapi-fetch";
import { accessTokenNow, refreshSession } from "../auth/session";
import { ApiError, networkError, toApiError } from "./errors";
import type { components, paths } from "./schema";
import { applyMode, requestMode } from "./testMode";

export type Schemas = components["schemas"];

/** Requests that may be sent again after a silent refresh (a clone made before sending). */
const replayable = new WeakMap<Request, Request>();

/** Calls that make or end a session: a 401 there is the answer, not an expired token. */
const SESSION_PATHS = new Set([
  "/v1/auth/login",
  "/v1/auth/register",
  "/v1/auth/refresh",
  "/v1/auth/logout",
]);

function isAuthPath(url: string): boolean {
  return SESSION_PATHS.has(new URL(url, location.origin).pathname);
}

/** The access token (unless one is set already) and the test mode, on a request's headers. */
function applyAuth(headers: Headers): void {
  const token = accessTokenNow();
  if (token && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
  applyMode(headers, requestMode());
}

/**
 * Puts the in-memory access token on every request, and `Afftok-Mode: test` while the
 * test-mode switch is on (testMode.ts); when the API answers 401 (the token expired),
 * refreshes the session once through the cookie and replays the request (mode and all).
 */
export const auth: Middleware = {
  onRequest({ request }) {
    applyAuth(request.headers);
    if (!isAuthPath(request.url)) replayable.set(request, request.clone());
    return request;
  },
  async onResponse({ request, response }) {
    if (response.status !== 401) return response;
    const copy = replayable.get(request);
    if (!copy || !(await refreshSession())) return response;
    const again = new Request(copy);
    again.headers.set("authorization", `Bearer ${accessTokenNow() ?? ""}`);
    return fetch(again);
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(auth);

/**
 * `fetch` with the typed client's session handling, for answers it cannot read (a stream of
 * server-sent events): the access token and the test mode on the request, and on a 401 one
 * silent refresh and the request sent again. The body must be sendable twice (a string).
 * Resolves with the response whatever its status; rejects as `fetch` does (an abort too).
 */
export async function authedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const send = () => {
    const headers = new Headers(init.headers);
    applyAuth(headers);
    return fetch(path, { credentials: "same-origin", ...init, headers });
  };
  const first = await send();
  if (first.status !== 401 || isAuthPath(path) || !(await refreshSession())) return first;
  return send();
}

interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/**
 * Awaits an openapi-fetch call and gives its data, or throws an ApiError with the API's
 * problem (or a network error): what TanStack Query and forms expect.
 */
export async function call<T>(request: Promise<Answer<T>>): Promise<T> {
  let answer: Answer<T>;
  try {
    answer = await request;
  } catch (cause) {
    throw networkError(cause);
  }
  if (!answer.response.ok) {
    throw toApiError(answer.response.status, answer.error, answer.response.headers);
  }
  return answer.data as T;
}

export { ApiError };
