// The signed-in session. The access token lives in memory only (never in storage a script
// could read later); the refresh token lives in an HttpOnly, SameSite=Strict cookie the API
// sets for the web app, and a refresh through it must carry the CSRF cookie's value in
// X-CSRF-Token. Refreshes are single-flight in a tab and serialised across tabs (Web Locks):
// a refresh token is single-use, and two tabs racing with one would end the session.
import { toApiError } from "../api/errors";
import type { components } from "../api/schema";
import { readCookie } from "./cookies";

export type User = components["schemas"]["UserView"];
export type Role = components["schemas"]["Role"];

export type SessionState =
  | { status: "loading" }
  | { status: "anonymous" }
  | { status: "signed-in"; user: User };

interface SessionAnswer {
  access_token: string;
  expires_in: number;
  user: User;
}

let accessToken: string | null = null;
let state: SessionState = { status: "loading" };
const listeners = new Set<() => void>();
const channel =
  typeof BroadcastChannel === "undefined" ? null : new BroadcastChannel("afftok-auth");

function set(next: SessionState) {
  state = next;
  for (const l of listeners) l();
}

export function sessionState(): SessionState {
  return state;
}

export function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function accessTokenNow(): string | null {
  return accessToken;
}

function signedIn(answer: SessionAnswer) {
  accessToken = answer.access_token;
  set({ status: "signed-in", user: answer.user });
}

function signedOut() {
  accessToken = null;
  set({ status: "anonymous" });
}

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(path, {
    method: "POST",
    credentials: "same-origin",
    // A refresh rotates the single-use refresh cookie: if the page went away mid-request
    // and the browser dropped the answer, its new cookie would be lost with it and the old
    // one, already used, would end the session at the next start. keepalive lets the
    // request (and its Set-Cookie) finish after the page is gone.
    keepalive: true,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

async function answerOrThrow(response: Response): Promise<SessionAnswer> {
  const body = await response.json().catch(() => null);
  if (!response.ok) throw toApiError(response.status, body, response.headers);
  return body as SessionAnswer;
}

function csrfHeader(): Record<string, string> {
  const token = readCookie("afftok_csrf");
  return token ? { "x-csrf-token": token } : {};
}

let inFlight: Promise<boolean> | null = null;

async function refreshNow(): Promise<boolean> {
  // Without the CSRF cookie there is no cookie session to refresh.
  if (!readCookie("afftok_csrf")) return false;
  const response = await post("/v1/auth/refresh", {}, csrfHeader());
  // Only a refusal ends the session; a 429 or a 5xx throws, and is taken like the network
  // being down (the session is kept and the next call tries again).
  if (response.status === 401 || response.status === 403) return false;
  signedIn(await answerOrThrow(response));
  return true;
}

/**
 * Trades the refresh cookie for a new access token. True when the session goes on; false
 * (and signed out) when it has ended. Concurrent callers share one request.
 */
export function refreshSession(): Promise<boolean> {
  if (!inFlight) {
    const run = async () => {
      try {
        const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
        const ok = locks
          ? await locks.request("afftok-refresh", () => refreshNow())
          : await refreshNow();
        if (!ok) signedOut();
        return ok;
      } catch {
        // The network is down or the server busy: keep what we have; the next call tries
        // again.
        return accessToken !== null;
      } finally {
        inFlight = null;
      }
    };
    inFlight = run();
  }
  return inFlight;
}

/** On start: a cookie session left by an earlier visit signs the user in silently. */
export async function startSession(): Promise<void> {
  if (!(await refreshSession())) signedOut();
}

export async function login(email: string, password: string): Promise<User> {
  const answer = await answerOrThrow(
    await post("/v1/auth/login", { email, password, session: "cookie" }),
  );
  signedIn(answer);
  return answer.user;
}

export interface Registration {
  role: "promoter" | "advertiser";
  email: string;
  password: string;
  display_name: string;
  company_name?: string;
}

export async function register(registration: Registration): Promise<User> {
  const answer = await answerOrThrow(
    await post("/v1/auth/register", { ...registration, session: "cookie" }),
  );
  signedIn(answer);
  return answer.user;
}

/** Replaces the user shown (after a profile change) without touching the tokens. */
export function updateUser(user: User) {
  if (state.status === "signed-in") set({ status: "signed-in", user });
}

/** Ends this session (this browser). */
export async function logout(): Promise<void> {
  try {
    await post("/v1/auth/logout", {}, csrfHeader());
  } finally {
    signedOut();
    channel?.postMessage("logout");
  }
}

/** Ends every session of the account, on every device. */
export async function logoutEverywhere(): Promise<void> {
  try {
    await fetch("/v1/auth/logout-all", {
      method: "POST",
      credentials: "same-origin",
      headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    });
  } finally {
    signedOut();
    channel?.postMessage("logout");
  }
}

channel?.addEventListener("message", (e) => {
  if (e.data === "logout") signedOut();
});
