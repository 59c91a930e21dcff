// A fake page for the SDK: location, a small cookie jar, fetch, navigator and console.

import { vi } from "vitest";
import type { Env, ResponseLike } from "../src/env.js";

export const ID = "0190a5f1-8c2b-7d3e-9f40-5b6c7d8e9fa1";
export const OTHER_ID = "0190a5f1-8c2b-7d3e-9f40-000000000002";
export const KEY = "pk_test_Zm9vYmFy";
export const ENDPOINT = "https://t.example.net";

export interface FakePage {
  env: Env & {
    fetch: ReturnType<typeof vi.fn>;
    console: { warn: ReturnType<typeof vi.fn> };
  };
  /** Every string assigned to document.cookie, in order. */
  cookieWrites: string[];
}

/** A page at `https://shop.example/landing{search}` (or `protocol`) with `cookies` set. */
export function fakePage(
  opts: { search?: string; protocol?: string; cookies?: Record<string, string> } = {},
): FakePage {
  const jar = new Map(Object.entries(opts.cookies ?? {}));
  const cookieWrites: string[] = [];
  const env = {
    location: { search: opts.search ?? "", protocol: opts.protocol ?? "https:" },
    document: {
      get cookie() {
        return [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
      },
      set cookie(value: string) {
        cookieWrites.push(value);
        const pair = value.split(";")[0] ?? "";
        const eq = pair.indexOf("=");
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      },
    },
    fetch: vi.fn(),
    navigator: {},
    console: { warn: vi.fn() },
  };
  return { env, cookieWrites };
}

/** A fetch answer with a JSON body (or a body that is not JSON when `body` is undefined). */
export function answer(status: number, body?: unknown): ResponseLike {
  return {
    status,
    json: () =>
      body === undefined ? Promise.reject(new SyntaxError("not JSON")) : Promise.resolve(body),
  };
}

/** Forgets the real document's click id cookie and query (jsdom), after a test that used them. */
export function resetRealPage(): void {
  // biome-ignore lint/suspicious/noDocumentCookie: the SDK's own cookie is what is under test.
  document.cookie = "afftok_click_id=; Max-Age=0; Path=/";
  history.replaceState(null, "", "/landing");
}
