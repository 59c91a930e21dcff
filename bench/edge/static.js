// The floor of the worker benchmark: a worker that answers every request with the same 302
// (a Location as long as the real redirects'), reading nothing and queueing nothing. What it
// costs, and how its latency spreads, is workerd's own share of every click.
//
// scripts/bench-edge puts the Location in the LOCATION text binding.

export default {
  fetch(request, env) {
    return new Response(null, {
      status: 302,
      headers: {
        "content-type": "text/plain; charset=utf-8",
        location: env.LOCATION,
        "cache-control": "no-store",
      },
    });
  },
};
