// The SDK's options, and their checked form with every default filled in.

import { DEFAULT_PARAMS } from "./click-id.js";
import type { SameSite } from "./cookie.js";

/** What `createAfftok` accepts. Only `key` and `endpoint` are needed to report conversions. */
export interface AfftokOptions {
  /** A publishable postback key, `pk_live_…` or `pk_test_…` (never a secret `pbk_…` key). */
  key: string;
  /** The edge's base URL, e.g. `https://t.example.com`. */
  endpoint: string;
  /** Query parameters that carry the click id, tried in order. Default `afftok_click_id`, `click_id`. */
  params?: readonly string[] | undefined;
  /** The cookie's name. Default `afftok_click_id`. */
  cookieName?: string | undefined;
  /** How long the cookie lives, in days. Default 90. */
  cookieDays?: number | undefined;
  /** The cookie's `Domain`, e.g. `example.com` to share it with subdomains. Default: this host only. */
  cookieDomain?: string | undefined;
  /** The cookie's SameSite attribute (any case). Default `Lax`; `None` adds `Secure`. */
  sameSite?: SameSite | Lowercase<SameSite> | undefined;
  /** Log what goes wrong to the console (`console.warn`). Default false: the SDK is silent. */
  debug?: boolean | undefined;
}

/** Options after checking: every field set, or a reason why conversions cannot be sent. */
export interface Config {
  key: string;
  endpoint: string;
  params: readonly string[];
  cookieName: string;
  /** The cookie's Max-Age in seconds. */
  maxAge: number;
  cookieDomain: string | undefined;
  sameSite: SameSite;
  debug: boolean;
  /** Why conversions cannot be sent (`not_configured`), or undefined when they can. */
  problem: string | undefined;
  /** Options that were set but unusable and replaced by their default, for the debug log. */
  ignored: string[];
}

/** The default cookie name. */
export const DEFAULT_COOKIE = "afftok_click_id";
/** The default cookie lifetime in days. */
export const DEFAULT_COOKIE_DAYS = 90;

// RFC 6265 cookie-name characters; anything else could inject attributes.
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const DOMAIN = /^\.?[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*$/;
const SAME_SITES: readonly SameSite[] = ["Lax", "Strict", "None"];

function text(value: unknown): string {
  return typeof value === "string" ? value.trim() : "";
}

/** Checks `options`, whatever they are (a missing or mistyped field gets its default). */
export function resolveOptions(options: unknown): Config {
  const o = (options && typeof options === "object" ? options : {}) as Record<string, unknown>;
  const ignored: string[] = [];
  const key = text(o.key);
  const endpoint = text(o.endpoint).replace(/\/+$/, "");

  let params: readonly string[] = DEFAULT_PARAMS;
  if (o.params !== undefined) {
    const names = Array.isArray(o.params) ? o.params.map(text).filter(Boolean) : [];
    if (names.length) params = names;
    else ignored.push("params");
  }

  let cookieName = DEFAULT_COOKIE;
  if (o.cookieName !== undefined) {
    if (COOKIE_NAME.test(text(o.cookieName))) cookieName = text(o.cookieName);
    else ignored.push("cookieName");
  }

  let days = DEFAULT_COOKIE_DAYS;
  if (o.cookieDays !== undefined) {
    const n = o.cookieDays;
    if (typeof n === "number" && Number.isFinite(n) && n > 0) days = n;
    else ignored.push("cookieDays");
  }

  let cookieDomain: string | undefined;
  if (o.cookieDomain !== undefined && o.cookieDomain !== "") {
    if (DOMAIN.test(text(o.cookieDomain))) cookieDomain = text(o.cookieDomain);
    else ignored.push("cookieDomain");
  }

  let sameSite: SameSite = "Lax";
  if (o.sameSite !== undefined) {
    const wanted = text(o.sameSite).toLowerCase();
    const s = SAME_SITES.find((v) => v.toLowerCase() === wanted);
    if (s) sameSite = s;
    else ignored.push("sameSite");
  }

  let problem: string | undefined;
  if (!key) problem = "the key option is missing";
  else if (!key.startsWith("pk_")) problem = "the key must be a publishable key (pk_…)";
  else if (!endpoint) problem = "the endpoint option is missing";

  return {
    key,
    endpoint,
    params,
    cookieName,
    maxAge: Math.max(1, Math.round(days * 86400)),
    cookieDomain,
    sameSite,
    debug: o.debug === true,
    problem,
    ignored,
  };
}
