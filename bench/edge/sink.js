// The benchmark's stand-in for Cloudflare KV and Queues inside workerd (bench/edge/workerd.capnp.in
// binds both workers' EDGE_KV and EVENTS to it).
//
// - KV: workerd's KV binding sends `GET /{key}?urlencoded=true`; the entries come from the
//   KV_ENTRIES JSON binding ({"keys": "...", "offer:101": "..."}); an absent key is 404.
// - Queue: workerd's queue binding sends `POST /message` (one message) or `POST /batch`
//   ({"messages": [...]}); messages are counted, the last single one kept for inspection.
// - `GET /stats` (on the sink's own socket) answers
//   {"messages": n, "last": {"format": X-Msg-Fmt, "body": text} or null}.
//
// It runs in the same workerd process as the workers, so its cost (one small subrequest
// per click) is included for both of them alike.

let messages = 0;
let last = null;

// What workerd's queue binding expects back (as Cloudflare Queues and miniflare answer).
const SENT = JSON.stringify({
  metadata: { metrics: { backlogCount: 0, backlogBytes: 0, oldestMessageTimestamp: 0 } },
});
const sent = () => new Response(SENT, { headers: { "content-type": "application/json" } });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/message") {
      messages += 1;
      last = { format: request.headers.get("x-msg-fmt"), body: await request.text() };
      return sent();
    }
    if (request.method === "POST" && url.pathname === "/batch") {
      const batch = await request.json();
      messages += batch.messages.length;
      return sent();
    }
    if (request.method === "GET" && url.pathname === "/stats") {
      return Response.json({ messages, last });
    }
    if (request.method === "GET") {
      const key = decodeURIComponent(url.pathname.slice(1));
      const value = env.KV_ENTRIES[key];
      return value === undefined
        ? new Response("Not Found", { status: 404 })
        : new Response(value);
    }
    return new Response("unsupported", { status: 405 });
  },
};
