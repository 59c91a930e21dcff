// The worker's few JavaScript helpers (imported by src/glue.rs through wasm-bindgen).
//
// Each one does in a single call what would otherwise take several crossings between Wasm
// and JavaScript (and as many small objects): on a click, reading the request, building
// the response and queueing the event are one call each.

const ABSENT = "\u0000";

// The request's method, URL, the headers the edge reads, and cf.country / cf.colo, joined
// by "\n" (none of them can contain a newline or a NUL); an absent value is a lone NUL.
// The body's headers are only read for a POST (a postback): a click never has a body.
export function requestFields(request) {
  const h = request.headers;
  const cf = request.cf;
  const method = request.method;
  const post = method === "POST";
  const field = (value) => (typeof value === "string" ? value : ABSENT);
  return [
    method,
    request.url,
    field(h.get("user-agent")),
    field(h.get("referer")),
    post ? field(h.get("content-type")) : ABSENT,
    post ? field(h.get("content-length")) : ABSENT,
    field(h.get("cf-connecting-ip")),
    field(cf?.country),
    field(cf?.colo),
  ].join("\n");
}

// The Origin header, or undefined; read for postbacks only (a click never needs it).
export function requestOrigin(request) {
  return request.headers.get("origin") ?? undefined;
}

const CONTENT_TYPES = [
  "text/plain; charset=utf-8",
  "text/html; charset=utf-8",
  "application/json",
];

// A response: status, content type (an index into CONTENT_TYPES, or the type itself), and
// the optional headers and body (undefined when absent).
export function response(status, contentType, location, noStore, allow, retryAfter, body) {
  const headers = {
    "content-type": typeof contentType === "number" ? CONTENT_TYPES[contentType] : contentType,
  };
  if (location !== undefined) headers.location = location;
  if (noStore) headers["cache-control"] = "no-store";
  if (allow !== undefined) headers.allow = allow;
  if (retryAfter !== undefined) headers["retry-after"] = String(retryAfter);
  return new Response(body === undefined || body === "" ? null : body, { status, headers });
}

// A response with any headers, given as "name\nvalue\nname\nvalue…" (names and values
// never contain a newline): the rare answers beyond `response`'s fixed set, such as a
// postback's to a web page with its CORS headers (DESIGN §16). Clicks never come here.
export function responseWithHeaders(status, headerLines, body) {
  const headers = new Headers();
  const parts = headerLines === "" ? [] : headerLines.split("\n");
  for (let i = 0; i + 1 < parts.length; i += 2) headers.append(parts[i], parts[i + 1]);
  return new Response(body === undefined || body === "" ? null : body, { status, headers });
}

// Sends one event's JSON to the EVENTS queue after the response (ctx.waitUntil); if the
// queue refuses it (or is not bound), `fallback(env, json, error)` takes over and returns
// the promise of its own delivery.
export function sendAfterResponse(ctx, env, json, fallback) {
  let sent;
  try {
    if (env.EVENTS === undefined) throw new Error("the EVENTS queue binding is missing");
    sent = env.EVENTS.send(json, { contentType: "json" });
  } catch (e) {
    sent = Promise.reject(e);
  }
  ctx.waitUntil(sent.catch((e) => fallback(env, json, String(e))));
}
