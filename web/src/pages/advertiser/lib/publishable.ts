// Publishable postback keys (DESIGN §16): the web origins they are bound to, checked here as
// the API checks them (shared/src/kv.rs `parse_origin`) so a typo is told at its line before
// sending, and the script snippet the Web SDK (sdk/web) is put in a page with.

/** Most origins one publishable key may list (the API's limit). */
export const MAX_ORIGINS = 20;

/** The longest origin the API takes. */
const MAX_ORIGIN_LEN = 255;

/** What is wrong with an origin as typed (each has its text in the advertiser namespace). */
export type OriginProblem = "long" | "scheme" | "noHost" | "path" | "host" | "port" | "chars";

/**
 * An origin as typed, checked: its normal form (lower case, no trailing `/`, no default port,
 * as the API stores it) or what is wrong with it.
 */
export function checkOrigin(typed: string): { origin: string } | { problem: OriginProblem } {
  const text = typed.trim();
  if (text.length > MAX_ORIGIN_LEN) return { problem: "long" };
  const lower = text.toLowerCase();
  const sep = lower.indexOf("://");
  if (sep < 0) return { problem: "scheme" };
  const scheme = lower.slice(0, sep);
  if (scheme !== "https" && scheme !== "http") return { problem: "scheme" };
  let rest = lower.slice(sep + 3);
  if (rest.endsWith("/")) rest = rest.slice(0, -1);
  if (rest === "") return { problem: "noHost" };
  if (/[/?#@]/.test(rest)) return { problem: "path" };
  let host = rest;
  let port: string | null = null;
  const colon = rest.lastIndexOf(":");
  // A port after the host; an IPv6 host in brackets has colons of its own.
  if (colon >= 0 && (!rest.slice(0, colon).endsWith("]") || rest.startsWith("["))) {
    const before = rest.slice(0, colon);
    if (before === "" || (!before.endsWith("]") && before.includes(":"))) {
      return { problem: "host" };
    }
    host = before;
    port = rest.slice(colon + 1);
  }
  let portNumber: number | null = null;
  if (port !== null) {
    portNumber = /^\+?\d+$/.test(port) ? Number(port) : 0;
    if (portNumber < 1 || portNumber > 65_535) return { problem: "port" };
  }
  if (!/^[a-z0-9.\-[\]:]+$/.test(host)) return { problem: "chars" };
  const defaultPort = scheme === "https" ? 443 : 80;
  return {
    origin:
      portNumber !== null && portNumber !== defaultPort
        ? `${scheme}://${host}:${portNumber}`
        : `${scheme}://${host}`,
  };
}

/** A problem with an origin of the list, at its line of the text (1-based). */
export interface OriginLineProblem {
  line: number;
  entry: string;
  problem: OriginProblem;
}

/** The list's problems: none given, too many, or each origin's at its line. */
export interface OriginListProblems {
  list: "none" | "tooMany" | null;
  lines: OriginLineProblem[];
}

/**
 * Checks the origins of a publishable key as typed one per line (`entries` and `lines` as
 * parseAllowList gives them): at least one, at most MAX_ORIGINS, each a web origin.
 */
export function originProblems(parsed: {
  entries: readonly string[];
  lines: readonly number[];
}): OriginListProblems {
  const list =
    parsed.entries.length === 0 ? "none" : parsed.entries.length > MAX_ORIGINS ? "tooMany" : null;
  const lines: OriginLineProblem[] = [];
  parsed.entries.forEach((entry, i) => {
    const checked = checkOrigin(entry);
    if ("problem" in checked) {
      lines.push({ line: parsed.lines[i] ?? i + 1, entry, problem: checked.problem });
    }
  });
  return { list, lines };
}

/** Whether the list may be sent. */
export function originsOk(p: OriginListProblems): boolean {
  return p.list === null && p.lines.length === 0;
}

/**
 * The edge's base URL, from a postback URL the API gave (`{edge}/postback/{key}?…`): what the
 * SDK's `data-endpoint` takes. An edge under a path keeps its path.
 */
export function edgeBaseUrl(postbackUrl: string): string | null {
  const at = postbackUrl.indexOf("/postback/");
  if (at > 0) {
    const base = postbackUrl.slice(0, at);
    return /^https?:\/\/[^/?#]+/i.test(base) ? base : null;
  }
  try {
    const origin = new URL(postbackUrl).origin;
    return origin === "null" ? null : origin;
  } catch {
    return null;
  }
}

/** Where the snippet loads the SDK from: the advertiser's own copy of `afftok.min.js`. */
export const SDK_SCRIPT_SRC = "/js/afftok.min.js";

function attr(value: string): string {
  return value
    .replace(/&/g, "&amp;")
    .replace(/"/g, "&quot;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;");
}

/** The tags to put on every page a visitor may land on and on the thank-you page. */
export function scriptSnippet({
  key,
  endpoint,
  src = SDK_SCRIPT_SRC,
}: {
  key: string;
  endpoint: string;
  src?: string;
}): string {
  return [
    "<script>window.afftok = window.afftok || [];</script>",
    `<script async src="${attr(src)}"`,
    `  data-key="${attr(key)}"`,
    `  data-endpoint="${attr(endpoint)}"></script>`,
  ].join("\n");
}

/** The call that reports a conversion, on the thank-you page (queued until the SDK loads). */
export function conversionSnippet(): string {
  return [
    "<script>",
    "  (window.afftok = window.afftok || []).push([",
    '    "conversion",',
    '    { txid: "ORDER-1001", amount: "59.90", currency: "USD" },',
    "  ]);",
    "</script>",
  ].join("\n");
}
