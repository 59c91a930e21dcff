// A small frame for the journeys: named steps that screenshot the page they fail on, and
// waiting for a condition instead of sleeping.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { chromiumPath } from "./chromium.mjs";

export const env = {
  app: must("AFFTOK_E2E_APP"),
  edge: must("AFFTOK_E2E_EDGE"),
  adminEmail: must("AFFTOK_E2E_ADMIN_EMAIL"),
  demoEmail: must("AFFTOK_E2E_DEMO_EMAIL"),
  assistantEmail: must("AFFTOK_E2E_ASSISTANT_EMAIL"),
  password: must("AFFTOK_E2E_PASSWORD"),
  accessTtlSecs: Number(process.env.AFFTOK_E2E_ACCESS_TTL_SECS ?? "900"),
  screens: process.env.AFFTOK_E2E_SCREENS ?? "../target/e2e",
  chromium: chromiumPath(),
};
mkdirSync(env.screens, { recursive: true });

function must(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`e2e: ${name} is not set (run through tests/web.rs)`);
    process.exit(2);
  }
  return v;
}

export async function launch() {
  return chromium.launch({
    executablePath: env.chromium,
    // Root in CI has no user namespace for Chromium's sandbox.
    args: ["--no-sandbox", "--disable-dev-shm-usage"],
  });
}

/** A browser context per person: its own cookies, a phone-sized window. */
export async function person(
  browser,
  name,
  { locale = "en-US", width = 412, height = 915, bypassCSP = false } = {},
) {
  const context = await browser.newContext({
    viewport: { width, height },
    bypassCSP,
    locale,
    timezoneId: "Asia/Riyadh",
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on("pageerror", (e) => console.error(`[${name}] page error: ${e.message}`));
  // Refused API calls, for the log of a failing run (some are expected: a 401 before a
  // silent refresh, the 403 of a page the role may not use).
  page.on("response", async (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith("/v1/") && r.status() >= 400) {
      const body = await r.text().catch(() => "");
      console.log(
        `       [${name}] ${r.request().method()} ${path} → ${r.status()} ${body.slice(0, 160)}`,
      );
    }
  });
  page.on("console", (m) => {
    if (m.type() === "error") console.error(`[${name}] console: ${m.text()}`);
  });
  return { name, context, page };
}

let failures = 0;

export async function step(who, title, fn) {
  const started = Date.now();
  try {
    await fn();
    console.log(`  ok   ${who.name}: ${title} (${Date.now() - started} ms)`);
  } catch (e) {
    failures += 1;
    const file = join(env.screens, `failed-${who.name}-${title.replace(/\W+/g, "-")}.png`);
    await who.page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    console.error(
      `  FAIL ${who.name}: ${title}\n       ${e?.stack ?? e}\n       url: ${who.page.url()}\n       screenshot: ${file}`,
    );
    throw e;
  }
}

export function failed() {
  return failures;
}

/** Polls `check` until it returns a truthy value (or throws the last error) within `ms`. */
export async function eventually(what, check, ms = 20_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v) return v;
      last = new Error(`not yet: ${what}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: ${last?.message ?? last}`);
}

/** The text of a `data-testid` element, trimmed. */
export async function testid(page, id) {
  return ((await page.getByTestId(id).first().textContent()) ?? "").trim();
}

export async function shot(page, name, { fullPage = false } = {}) {
  await page.screenshot({ path: join(env.screens, `${name}.png`), fullPage });
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Fails when the page scrolls sideways on a phone (tables scroll inside their own box). */
export async function fitsThePhone(page) {
  const wide = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    // What sticks out and is not inside a box that scrolls or clips it.
    const clipped = (e) => {
      for (let a = e.parentElement; a; a = a.parentElement) {
        if (a === document.body) return false;
        if (getComputedStyle(a).overflowX !== "visible") return true;
      }
      return false;
    };
    return [...document.body.querySelectorAll("*")]
      .filter((e) => e.getBoundingClientRect().right > width + 1 && !clipped(e))
      .slice(0, 5)
      .map(
        (e) => `${e.tagName.toLowerCase()}.${e.className} (${e.getBoundingClientRect().right}px)`,
      );
  });
  assert(wide.length === 0, `the page is wider than the phone: ${wide.join(", ")}`);
}
