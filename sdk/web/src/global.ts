// The script-tag build's setup: options from data- attributes, `window.afftok`, queued calls.

import { type Afftok, createAfftokIn } from "./afftok.js";
import type { ConversionResult } from "./conversion.js";
import type { Env } from "./env.js";
import type { AfftokOptions } from "./options.js";

/** A queued call: `["conversion", input, callback?]`. */
export type QueuedCall = unknown[];

/** What the script tag puts at `window.afftok`. */
export interface AfftokGlobal extends Afftok {
  /** Runs calls shaped like the queue's entries, so a snippet that pushes works after load too. */
  push(...calls: QueuedCall[]): number;
}

/** The page globals the script-tag build uses. */
export interface GlobalEnv extends Env {
  afftok?: unknown;
}

/** Reads the options from the script tag's `data-` attributes. */
export function configFromScript(script: Element | null | undefined): AfftokOptions {
  const attr = (name: string): string | undefined =>
    script?.getAttribute(`data-${name}`) ?? undefined;
  const debug = attr("debug");
  const days = attr("cookie-days");
  return {
    key: attr("key") ?? "",
    endpoint: attr("endpoint") ?? "",
    params: attr("params")?.split(","),
    cookieName: attr("cookie"),
    cookieDays: days === undefined ? undefined : Number(days),
    cookieDomain: attr("cookie-domain"),
    sameSite: attr("same-site") as AfftokOptions["sameSite"],
    debug: debug !== undefined && debug !== "false" && debug !== "0",
  };
}

/**
 * Creates the SDK from the script tag, sets `win.afftok`, then runs the calls that a page
 * queued in `win.afftok` (an array) before the script loaded.
 */
export function install(win: GlobalEnv, script: Element | null | undefined): AfftokGlobal {
  const sdk = createAfftokIn(win, configFromScript(script));
  let count = 0;
  const run = (call: QueuedCall) => {
    try {
      if (!Array.isArray(call) || call[0] !== "conversion") return;
      const callback = call[2];
      const done = sdk.conversion(call[1] as Parameters<Afftok["conversion"]>[0]);
      if (typeof callback === "function") {
        done.then((result: ConversionResult) => {
          try {
            callback(result);
          } catch {
            // The page's callback failing is the page's business.
          }
        });
      }
    } catch {
      // A malformed entry is skipped.
    }
  };
  const global: AfftokGlobal = {
    clickId: sdk.clickId,
    conversion: sdk.conversion,
    push: (...calls) => {
      for (const call of calls) run(call);
      count += calls.length;
      return count;
    },
  };
  const queued = win.afftok;
  win.afftok = global;
  if (Array.isArray(queued)) global.push(...queued);
  return global;
}
