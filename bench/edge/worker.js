// The benchmark's baseline for the Cloudflare worker: the AffTok click path written the way
// a Workers developer would write it today, in plain JavaScript with WebCrypto.
//
// It follows the same contracts as edge/cloudflare (DESIGN §3–§6): the same KV layout
// (`keys`, `offer:{id}` in the EDGE_KV namespace), the same token format (strict base64url,
// LEB128 varints, the first 16 bytes of HMAC-SHA256 over "afftok-link-v1" || body, compared
// in constant time), an in-memory cache of parsed KV entries with the same TTL
// (KV_CACHE_SECS, default 10 s, absent entries cached too, the last good value served for
// a second when the KV fails), the same rules (unknown link 404, expired 410, unknown offer
// 404, paused / geo-blocked to the fallback URL, bots redirected with verdict `bot`), the
// same redirect (302, `Cache-Control: no-store`, destination macros percent-encoded) and the
// same click event JSON, sent to the EVENTS queue after the response with ctx.waitUntil.
//
// Only clicks and /healthz: postbacks are not part of the benchmark.

const DOMAIN = new TextEncoder().encode("afftok-link-v1");
const MAX_TOKEN_LEN = 64;
const TAG_LEN = 16;
const MAX_UA = 512;
const MAX_REFERER = 1024;
const MAX_SUB = 128;
const RETRY_AFTER_ERROR_MS = 1000;
const MAX_TTL_MS = 30000;

const BOT_PATTERNS = [
  "bot/", "bot;", "bot-", "bot ", "bot)", "crawler", "spider",
  "facebookexternalhit", "facebookcatalog", "meta-externalagent", "whatsapp/",
  "slack-imgproxy", "skypeuripreview", "google-inspectiontool", "googleother",
  "google web preview", "bingpreview", "embedly", "iframely", "vkshare", "pinterest/",
  "yahoo! slurp", "mediapartners-google", "adsbot-google", "lighthouse", "headlesschrome",
  "phantomjs",
  "curl/", "wget/", "httpie/", "python-requests", "python-urllib", "python-httpx",
  "aiohttp/", "scrapy", "go-http-client", "java/", "okhttp", "apache-httpclient",
  "libwww-perl", "guzzlehttp", "node-fetch", "axios/", "undici", "postmanruntime",
  "insomnia/", "oha/",
];

// ---- tokens (DESIGN §3) ----

const B64 = new Int16Array(128).fill(-1);
"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
  .split("")
  .forEach((c, i) => (B64[c.charCodeAt(0)] = i));

// Strict unpadded base64url: null on any other character, an impossible length or non-zero
// trailing bits.
function base64urlDecode(text) {
  const n = text.length;
  if (n % 4 === 1) return null;
  const out = new Uint8Array(Math.floor((n * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64[c] : -1;
    if (v < 0) return null;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

// One minimal LEB128 varint at `at` (values above 2^53 are refused: ids never get there).
function readVarint(bytes, at, end) {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i - at < 10; i++) {
    const b = bytes[i];
    value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > at) return null; // not minimal
      if (value > Number.MAX_SAFE_INTEGER) return null;
      return [value, i + 1];
    }
    scale *= 128;
  }
  return null;
}

function decodeToken(token) {
  if (token.length === 0 || token.length > MAX_TOKEN_LEN) return null;
  const raw = base64urlDecode(token);
  if (raw === null || raw.length < 1 + TAG_LEN) return null;
  const bodyLen = raw.length - TAG_LEN;
  if (raw[0] !== 1) return null;
  const fields = [];
  let at = 1;
  for (let f = 0; f < 4; f++) {
    const r = readVarint(raw, at, bodyLen);
    if (r === null) return null;
    fields.push(r[0]);
    at = r[1];
  }
  if (at !== bodyLen) return null;
  return {
    kid: fields[0],
    offerId: fields[1],
    promoterId: fields[2],
    expiresAt: fields[3],
    body: raw.subarray(0, bodyLen),
    tag: raw.subarray(bodyLen),
  };
}

// ---- KV cache ----

const cache = new Map(); // KV key -> { value, freshUntil }

function ttlMs(env) {
  const secs = parseInt(env.KV_CACHE_SECS ?? "10", 10);
  return Math.min(Number.isFinite(secs) ? secs * 1000 : 10000, MAX_TTL_MS);
}

// The parsed value of a KV entry, cached; throws when nothing usable is known.
async function cached(env, key, parse) {
  const now = Date.now();
  const ttl = ttlMs(env);
  const slot = cache.get(key);
  if (slot && now < slot.freshUntil && slot.freshUntil - now <= ttl) return slot.value;
  try {
    const text = await env.EDGE_KV.get(key);
    const value = await parse(text);
    cache.set(key, { value, freshUntil: now + ttl });
    return value;
  } catch (e) {
    console.warn(`edge KV entry ${key} is unusable: ${e}`);
    if (!slot) throw e;
    cache.set(key, { value: slot.value, freshUntil: now + Math.min(RETRY_AFTER_ERROR_MS, ttl) });
    return slot.value;
  }
}

async function parseKeys(text) {
  const keys = new Map();
  if (text === null) return { keys, revoked: new Set() };
  const doc = JSON.parse(text);
  for (const [kid, secret] of Object.entries(doc.keys ?? {})) {
    const raw = Uint8Array.from(atob(secret), (c) => c.charCodeAt(0));
    if (raw.length !== 32) throw new Error(`key ${kid} is not 32 bytes`);
    const key = await crypto.subtle.importKey(
      "raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    keys.set(Number(kid), key);
  }
  return { keys, revoked: new Set(doc.revoked ?? []) };
}

// Literal characters outside printable ASCII are percent-encoded once, when the entry is
// parsed, so the filled URL is always a valid Location.
function encodeLiterals(template) {
  return template.replace(/[^\x21-\x7e]/gu, (c) => encodeURIComponent(c));
}

function checkUrl(url) {
  if (typeof url !== "string" || !/^https?:\/\/[^/]/i.test(url) || /[\s\x00-\x1f\x7f]/.test(url)) {
    throw new Error("offer url must be an absolute http(s) URL without spaces");
  }
  return encodeLiterals(url);
}

async function parseOffer(text) {
  if (text === null) return null;
  const doc = JSON.parse(text);
  if (doc.status !== "active" && doc.status !== "paused") throw new Error("bad offer status");
  return {
    paused: doc.status === "paused",
    url: checkUrl(doc.url),
    fallbackUrl: doc.fallback_url == null ? null : checkUrl(doc.fallback_url),
    geoAllow: new Set(doc.geo_allow ?? []),
    geoDeny: new Set(doc.geo_deny ?? []),
  };
}

// ---- the click ----

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

function uuidv7(ms) {
  const b = new Uint8Array(16);
  crypto.getRandomValues(b.subarray(6));
  let t = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = 0x80 | (b[8] & 0x3f);
  let s = "";
  for (let i = 0; i < 16; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-";
    s += HEX[b[i]];
  }
  return s;
}

// Everything but RFC 3986 unreserved characters.
function encodeValue(v) {
  return encodeURIComponent(v).replace(
    /[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// `text` cut to at most `max` UTF-8 bytes without splitting a character.
function truncateBytes(text, max) {
  if (text.length * 3 <= max) return text;
  const bytes = encoder.encode(text);
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return decoder.decode(bytes.subarray(0, end));
}

function isBot(ua) {
  if (ua === null) return true;
  const lower = ua.trim().slice(0, MAX_UA).toLowerCase();
  if (lower === "") return true;
  return lower.endsWith("bot") || BOT_PATTERNS.some((p) => lower.includes(p));
}

const MACROS = /\{(click_id|offer_id|promoter_id|sub[1-5]|country|ts)\}/g;

function fill(template, v) {
  return template.replace(MACROS, (_, name) => {
    switch (name) {
      case "click_id": return v.clickId;
      case "offer_id": return String(v.offerId);
      case "promoter_id": return String(v.promoterId);
      case "country": return v.country ?? "";
      case "ts": return String(v.ts);
      default: return encodeValue(v.subs[name] ?? "");
    }
  });
}

const HTML = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" };

function page(status, title, message) {
  return new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex"><title>${title}</title></head><body><h1>${title}</h1><p>${message}</p></body></html>\n`,
    { status, headers: HTML });
}

const notFound = () => page(404, "Link not found", "This tracking link is not valid.");

function redirect(location) {
  return new Response(null, {
    status: 302,
    headers: {
      "content-type": "text/plain; charset=utf-8",
      location,
      "cache-control": "no-store",
    },
  });
}

async function click(request, url, token, env, ctx) {
  const link = decodeToken(token);
  if (link === null) return notFound();
  let keys;
  try {
    keys = await cached(env, "keys", parseKeys);
  } catch {
    return page(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  const key = keys.keys.get(link.kid);
  if (key === undefined || keys.revoked.has(link.kid)) return notFound();
  const message = new Uint8Array(DOMAIN.length + link.body.length);
  message.set(DOMAIN);
  message.set(link.body, DOMAIN.length);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, message));
  if (!crypto.subtle.timingSafeEqual(mac.subarray(0, TAG_LEN), link.tag)) return notFound();
  const now = Date.now();
  if (link.expiresAt !== 0 && now / 1000 >= link.expiresAt) {
    return page(410, "Link expired", "This tracking link has expired.");
  }
  let offer;
  try {
    offer = await cached(env, `offer:${link.offerId}`, parseOffer);
  } catch {
    return page(503, "Temporarily unavailable", "Please try again in a moment.");
  }
  if (offer === null) return notFound();

  const subs = {};
  for (const [name, value] of url.searchParams) {
    if (/^sub[1-5]$/.test(name) && value !== "" && subs[name] === undefined) {
      subs[name] = truncateBytes(value, MAX_SUB);
    }
  }
  const rawCountry = request.cf?.country;
  const country =
    typeof rawCountry === "string" && /^[A-Za-z]{2}$/.test(rawCountry) &&
    rawCountry.toUpperCase() !== "XX" ? rawCountry.toUpperCase() : null;
  const ua = request.headers.get("user-agent");
  const clickId = uuidv7(now);
  const values = {
    clickId, offerId: link.offerId, promoterId: link.promoterId, subs, country, ts: now,
  };

  let verdict;
  let response;
  const fallbackOr = (refusal) =>
    offer.fallbackUrl !== null ? redirect(fill(offer.fallbackUrl, values)) : refusal();
  if (offer.paused) {
    verdict = "offer_paused";
    response = fallbackOr(notFound);
  } else if (
    (country !== null && offer.geoDeny.has(country)) ||
    (offer.geoAllow.size > 0 && (country === null || !offer.geoAllow.has(country)))
  ) {
    verdict = "geo_blocked";
    response = fallbackOr(() =>
      page(451, "Not available", "This offer is not available in your country."));
  } else {
    verdict = request.method === "HEAD" || isBot(ua) ? "bot" : "ok";
    response = redirect(fill(offer.url, values));
  }

  const referer = request.headers.get("referer");
  const colo = request.cf?.colo;
  const event = {
    type: "click",
    id: clickId,
    ts: new Date(now).toISOString(),
    offer_id: link.offerId,
    promoter_id: link.promoterId,
    kid: link.kid,
    verdict,
    ip: request.headers.get("cf-connecting-ip"),
    user_agent: truncateBytes(ua ?? "", MAX_UA),
    referer: referer ? truncateBytes(referer, MAX_REFERER) : null,
    country,
    subs,
    edge: colo ? `cloudflare:${colo}` : "cloudflare",
  };
  ctx.waitUntil(
    env.EVENTS.send(JSON.stringify(event)).catch((e) =>
      console.error(`click event ${clickId} lost: ${e}`)),
  );
  return response;
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/c/")) {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
      }
      return click(request, url, url.pathname.slice(3), env, ctx);
    }
    if (url.pathname === "/healthz") return new Response("ok\n");
    return new Response("not found\n", { status: 404 });
  },
};
