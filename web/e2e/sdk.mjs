// The Web SDK in Chromium (run by tests/sdk.rs, which starts the platform and the shop's
// pages): for each edge, arrive on the landing page through the tracking link, check the
// click id in the cookie, buy (a conversion, then a navigation at once), then try the same
// page from another origin and the secret key from the page (both must be refused), and
// post a marker conversion last. Prints one JSON line: what each edge's pages saw.
import { chromium } from "playwright-core";
import { chromiumPath } from "./chromium.mjs";

const cases = JSON.parse(process.env.AFFTOK_SDK_CASES ?? "[]");
if (cases.length === 0) {
  console.error("e2e: AFFTOK_SDK_CASES is not set (run through tests/sdk.rs)");
  process.exit(2);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function check(cond, message) {
  if (!cond) throw new Error(message);
}

/** Waits for the SDK on `page` (the script tag's build sets window.afftok). */
async function sdkReady(page) {
  await page.waitForFunction(() => typeof window.afftok?.conversion === "function");
}

const browser = await chromium.launch({
  executablePath: chromiumPath(),
  args: ["--no-sandbox", "--disable-dev-shm-usage"],
});
const seen = {};
let failed = false;
try {
  for (const c of cases) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const result = {};
    seen[c.edge] = result;
    try {
      // A real click: the edge answers 302 to the shop's landing page with the click id.
      await page.goto(c.link);
      await sdkReady(page);
      const landing = page.url();
      const landed = new URL(landing).searchParams.get("click_id");
      check(UUID.test(landed ?? ""), `landed without a click id: ${page.url()}`);
      result.landed = landed;
      result.click_id = await page.evaluate(() => window.afftok.clickId());
      const cookie = (await context.cookies()).find((k) => k.name === "afftok_click_id");
      result.cookie = cookie?.value ?? null;

      // Buy: the page posts the conversion and navigates away in the same handler.
      await Promise.all([page.waitForURL(/thanks\.html$/), page.click("#buy")]);

      // The same pages on an origin the key does not allow.
      const stranger = await context.newPage();
      await stranger.goto(`${c.other}?click_id=${landed}`);
      await sdkReady(stranger);
      result.other_origin = await stranger.evaluate(
        (edge) => window.afftok.conversion({ txid: `OTHER-${edge}` }),
        c.edge,
      );
      await stranger.close();

      // The advertiser's secret key, used from the shop's own page.
      await page.goto(landing);
      await sdkReady(page);
      result.secret_from_page = await page.evaluate(
        async ([base, key, id, edge]) => {
          try {
            const r = await fetch(`${base}/postback/${encodeURIComponent(key)}`, {
              method: "POST",
              mode: "cors",
              body: new URLSearchParams({ click_id: id, txid: `SECRET-${edge}` }),
            });
            return `answered ${r.status}`;
          } catch {
            return "blocked";
          }
        },
        [c.base, c.secret, landed, c.edge],
      );

      // Last, an allowed conversion: once it is stored, anything posted before it would be.
      result.marker = await page.evaluate(
        (edge) => window.afftok.conversion({ txid: `MARKER-${edge}` }),
        c.edge,
      );
      check(result.marker?.ok === true, `the marker was refused: ${JSON.stringify(result.marker)}`);
    } catch (e) {
      failed = true;
      result.error = String(e?.stack ?? e);
      console.error(`sdk e2e (${c.edge}): ${result.error}`);
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));
process.exit(failed ? 1 : 0);
