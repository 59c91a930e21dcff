// Benchmark fixtures: a fresh link key, offers and signed tracking links (DESIGN §3 and §5),
// written without any AffTok code so the edges are checked against an independent signer.
//
//   node bench/edge/fixtures.mjs OUT_DIR
//
// writes
//   OUT_DIR/kv.json       {"keys": "<keys document>", "offer:101": "<offer document>", ...}
//   OUT_DIR/paths.txt     one request path per line: /c/{token}?sub1=tiktok
//   OUT_DIR/location.txt  a Location of exactly the length every redirect has (for nginx)
//
// Every offer id has 3 digits and every promoter id 4, so every redirect's Location has the
// same length; half of the links expire in ten years, half never.

import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const out = process.argv[2];
if (!out) {
  console.error("usage: node fixtures.mjs OUT_DIR");
  process.exit(2);
}
mkdirSync(out, { recursive: true });

const KID = 1;
const OFFERS = [101, 102, 103, 104, 105, 106, 107, 108];
const PROMOTERS = [1001, 1002];
const TEMPLATE =
  "https://shop.example.com/landing?cid={click_id}&oid={offer_id}&pid={promoter_id}&s1={sub1}&ts={ts}";
const secret = randomBytes(32);

// Unsigned LEB128, minimal.
function varint(value) {
  const bytes = [];
  let v = BigInt(value);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    bytes.push(b);
  } while (v !== 0n);
  return bytes;
}

function token(offerId, promoterId, expiresAt) {
  const body = Buffer.from([
    1,
    ...varint(KID),
    ...varint(offerId),
    ...varint(promoterId),
    ...varint(expiresAt),
  ]);
  const tag = createHmac("sha256", secret)
    .update("afftok-link-v1")
    .update(body)
    .digest()
    .subarray(0, 16);
  return Buffer.concat([body, tag]).toString("base64url");
}

const tenYears = Math.floor(Date.now() / 1000) + 10 * 365 * 24 * 3600;
const kv = {
  keys: JSON.stringify({ active: KID, keys: { [KID]: secret.toString("base64") }, revoked: [] }),
};
const paths = [];
for (const offerId of OFFERS) {
  kv[`offer:${offerId}`] = JSON.stringify({
    status: "active",
    url: TEMPLATE,
    fallback_url: "https://shop.example.com/",
    geo_allow: [],
    geo_deny: ["KP"],
    advertiser_id: 5,
  });
  for (const [i, promoterId] of PROMOTERS.entries()) {
    paths.push(`/c/${token(offerId, promoterId, i === 0 ? 0 : tenYears)}?sub1=tiktok`);
  }
}
const location = TEMPLATE.replace("{click_id}", "00000000-0000-7000-8000-000000000000")
  .replace("{offer_id}", String(OFFERS[0]))
  .replace("{promoter_id}", String(PROMOTERS[0]))
  .replace("{sub1}", "tiktok")
  .replace("{ts}", String(Date.now()));

writeFileSync(join(out, "kv.json"), JSON.stringify(kv));
writeFileSync(join(out, "paths.txt"), paths.join("\n") + "\n");
writeFileSync(join(out, "location.txt"), location);
