// The web app's numbers for scripts/bench (row `web`), measured in headless Chromium against
// a running control plane whose promoter has traffic: the stats page's initial JavaScript
// (gzipped), its time to first render, and the API calls a load makes (and whether any waits
// for another: a waterfall). The login page, loaded the same way, is the baseline. Prints one
// JSON object on standard output; progress on standard error.
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { chromiumPath } from "./chromium.mjs";

const app = must("AFFTOK_E2E_APP");
const email = must("AFFTOK_BENCH_EMAIL");
const password = must("AFFTOK_BENCH_PASSWORD");
const loads = Number(process.env.AFFTOK_BENCH_LOADS ?? "10");

function must(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`bench: ${name} is not set`);
    process.exit(2);
  }
  return v;
}

const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});

// Records when `selector` first shows text: the page's first useful render.
function readyProbe(selector) {
  const mark = () => {
    const el = document.querySelector(selector);
    if (el?.textContent && el.textContent.trim() !== "" && window.__afftokReady === undefined) {
      window.__afftokReady = performance.now();
    }
  };
  new MutationObserver(mark).observe(document, {
    childList: true,
    subtree: true,
    characterData: true,
  });
}

/** One cold load (new browser context: empty cache), signed in through the cookie or not. */
async function load(path, selector, signedIn) {
  const context = await browser.newContext({ viewport: { width: 412, height: 915 } });
  if (signedIn) {
    const r = await context.request.post(`${app}/v1/auth/login`, {
      data: { email, password, session: "cookie" },
    });
    if (!r.ok()) throw new Error(`login: ${r.status()} ${await r.text()}`);
  }
  const page = await context.newPage();
  const bodies = new Map();
  const api = [];
  const started = new Map();
  page.on("request", (req) => started.set(req, Date.now()));
  page.on("response", async (res) => {
    const url = new URL(res.url());
    if (url.pathname.endsWith(".js")) {
      try {
        bodies.set(url.pathname, gzipSync(await res.body(), { level: 9 }).length);
      } catch {
        // A response without a body (a redirect): nothing to count.
      }
    }
  });
  page.on("requestfinished", (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith("/v1/")) {
      api.push({ path: url.pathname, start: started.get(req), end: Date.now() });
    }
  });
  await page.addInitScript(readyProbe, selector);
  const t0 = Date.now();
  await page.goto(`${app}${path}`);
  await page.waitForFunction(() => window.__afftokReady !== undefined, null, { timeout: 20_000 });
  const readyMs = await page.evaluate(() => window.__afftokReady);
  const readyAt = t0 + readyMs;
  // The JavaScript fetched before the first render: what the page needed to show itself.
  const scripts = await page.evaluate(
    (ready) =>
      performance
        .getEntriesByType("resource")
        .filter((e) => e.name.endsWith(".js") && e.responseEnd <= ready)
        .map((e) => new URL(e.name).pathname),
    readyMs,
  );
  await new Promise((r) => setTimeout(r, 300));
  const jsGzip = scripts.reduce((sum, p) => sum + (bodies.get(p) ?? 0), 0);
  const before = api.filter((c) => c.start <= readyAt);
  await context.close();
  return { readyMs, jsGzip, scripts, api: before, t0 };
}

/**
 * Rounds of API calls: a call that starts after another ended is one round later (5 ms of
 * slack: a call answered in a millisecond does not make its sibling, started in the same
 * task, look like it waited).
 */
function rounds(calls) {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  const round = [];
  for (const [i, c] of sorted.entries()) {
    let r = 1;
    for (let j = 0; j < i; j += 1) {
      if (sorted[j].end + 5 <= c.start) r = Math.max(r, round[j] + 1);
    }
    round.push(r);
  }
  return Math.max(0, ...round);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
}

const out = {};
for (const [name, path, selector, signedIn] of [
  ["login", "/login", "main h1", false],
  ["stats", "/stats", '[data-testid="total-clicks"]', true],
]) {
  const runs = [];
  for (let i = 0; i < loads; i += 1) runs.push(await load(path, selector, signedIn));
  const last = runs[runs.length - 1];
  const data = last.api.filter((c) => !c.path.startsWith("/v1/auth/"));
  out[name] = {
    render_ms_p50: median(runs.map((r) => r.readyMs)),
    render_ms_max: Math.max(...runs.map((r) => r.readyMs)),
    js_gzip_bytes: last.jsGzip,
    js_files: last.scripts.length,
    api_calls: data.length,
    api_paths: data.map((c) => c.path),
    api_timeline: last.api.map((c) => `${c.path} ${c.start - last.t0}–${c.end - last.t0} ms`),
    auth_calls: last.api.length - data.length,
    data_rounds: rounds(data),
    all_rounds: rounds(last.api),
  };
  console.error(`bench: ${name}: ${JSON.stringify(out[name])}`);
}
await browser.close();
console.log(JSON.stringify(out));
