// An AffTok webhook receiver that verifies each delivery (Standard Webhooks v1), with
// Node's own modules only.
//
//   WEBHOOK_SECRET=whsec_... PORT=8000 node webhook-receiver.mjs

import { createHmac, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

const key = Buffer.from(process.env.WEBHOOK_SECRET.replace(/^whsec_/, ""), "base64");
const toleranceSecs = 5 * 60;
const seen = new Set(); // webhook-ids handled (keep them in your database)

function verified(headers, body) {
  const id = headers["webhook-id"] ?? "";
  const timestamp = headers["webhook-timestamp"] ?? "";
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > toleranceSecs) {
    return false;
  }
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.`).update(body).digest();
  // Several signatures during a secret rotation: one match is enough.
  return (headers["webhook-signature"] ?? "").split(" ").some((signature) => {
    const [version, value] = signature.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    if (req.method !== "POST" || !verified(req.headers, body)) {
      res.writeHead(401).end();
      return;
    }
    const id = req.headers["webhook-id"];
    if (!seen.has(id)) {
      // Delivery is at least once: the same id may come again.
      seen.add(id);
      const event = JSON.parse(body);
      console.log(id, event.type, JSON.stringify(event.data));
    }
    res.writeHead(204).end();
  });
}).listen(Number(process.env.PORT ?? 8000), "127.0.0.1");
