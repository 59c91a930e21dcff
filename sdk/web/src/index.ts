// @afftok/web: the AffTok Web SDK (DESIGN §16), as an ES module.

import { type Afftok, createAfftokIn } from "./afftok.js";
import type { Env } from "./env.js";
import type { AfftokOptions } from "./options.js";

export type { Afftok } from "./afftok.js";
export { clickIdFromSearch, DEFAULT_PARAMS, parseClickId } from "./click-id.js";
export type {
  ConversionError,
  ConversionInput,
  ConversionResult,
} from "./conversion.js";
export { conversionBody, postbackUrl } from "./conversion.js";
export type { SameSite } from "./cookie.js";
export type { AfftokOptions } from "./options.js";

/**
 * Creates the SDK for this page: a valid click id in the URL is stored in the first-party
 * cookie at once. Never throws; with bad options, `conversion()` resolves to `not_configured`.
 */
export function createAfftok(options: AfftokOptions): Afftok {
  return createAfftokIn(globalThis as unknown as Env, options);
}
