// The SDK object: captures the click id at creation, then answers clickId() and conversion().

import { clickIdFromSearch, parseClickId } from "./click-id.js";
import {
  type ConversionInput,
  type ConversionResult,
  conversionBody,
  postbackUrl,
  send,
} from "./conversion.js";
import { cookieValues, serializeCookie } from "./cookie.js";
import type { Env } from "./env.js";
import { type Config, resolveOptions } from "./options.js";

/** What `createAfftok` returns. No method throws. */
export interface Afftok {
  /** The click id from the page's URL if valid, else from the cookie, else null. */
  clickId(): string | null;
  /** Reports a conversion of the current click; resolves (never rejects) to the outcome. */
  conversion(input?: ConversionInput): Promise<ConversionResult>;
}

/**
 * `createAfftok` against explicit globals (tests hand in fakes). Stores a valid click id from
 * the URL in the cookie at once, replacing an older one.
 */
export function createAfftokIn(env: Env, options: unknown): Afftok {
  let config: Config;
  try {
    config = resolveOptions(options);
  } catch {
    // Options whose getters throw: behave as unconfigured rather than break the page.
    config = resolveOptions(undefined);
  }

  const warn = (...args: unknown[]) => {
    if (!config.debug) return;
    try {
      env.console?.warn("[afftok]", ...args);
    } catch {
      // A console that throws is not worth breaking the page for.
    }
  };

  const fromUrl = (): string | null => {
    try {
      return clickIdFromSearch(env.location?.search ?? "", config.params);
    } catch (e) {
      warn("could not read the URL", e);
      return null;
    }
  };

  const fromCookie = (): string | null => {
    try {
      for (const value of cookieValues(env.document?.cookie ?? "", config.cookieName)) {
        const id = parseClickId(value);
        if (id) return id;
      }
    } catch (e) {
      warn("could not read the cookie", e);
    }
    return null;
  };

  const store = (id: string) => {
    try {
      if (!env.document) return;
      env.document.cookie = serializeCookie({
        name: config.cookieName,
        value: id,
        maxAge: config.maxAge,
        domain: config.cookieDomain,
        sameSite: config.sameSite,
        secure: env.location?.protocol === "https:",
      });
    } catch (e) {
      warn("could not write the cookie", e);
    }
  };

  if (config.ignored.length) warn("options ignored (bad values):", config.ignored.join(", "));
  const landed = fromUrl();
  if (landed) store(landed);

  const clickId = (): string | null => {
    try {
      return fromUrl() ?? fromCookie();
    } catch {
      return null;
    }
  };

  const report = async (input?: ConversionInput): Promise<ConversionResult> => {
    if (config.problem) return { ok: false, error: "not_configured", detail: config.problem };
    const id = clickId();
    if (!id) return { ok: false, error: "no_click_id" };
    return send(env, postbackUrl(config.endpoint, config.key), conversionBody(id, input));
  };

  const conversion = (input?: ConversionInput): Promise<ConversionResult> => {
    try {
      return report(input).then(
        (result) => {
          if (!result.ok) warn("conversion not recorded:", result);
          return result;
        },
        (e: unknown) => {
          warn("conversion failed", e);
          return { ok: false, error: "internal", detail: String(e) };
        },
      );
    } catch (e) {
      warn("conversion failed", e);
      return Promise.resolve({ ok: false, error: "internal" });
    }
  };

  return { clickId, conversion };
}
