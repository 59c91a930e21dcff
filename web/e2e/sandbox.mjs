// The sandbox in the journeys (called by journeys.mjs): the journey's advertiser is told at the
// field that an origin needs its scheme, creates a publishable test key bound to an origin and
// sees (and copies) the ready-made script snippet, then a secret test key; turns test mode on
// from the keyboard (the banner on every page, still there after a reload); mints a test click
// on its offer from the offer's page, reports a conversion on it through the edge with the test
// key, and finds both in the test lists; turning test mode off shows the live lists again.
// Returns the sandbox pages for the accessibility sweep.
import { assert, env, eventually, fitsThePhone, shot, step, testid } from "./lib.mjs";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * @param {object} p
 * @param {{ name: string, page: import("playwright-core").Page }} p.adv signed in, with the
 *   approved offer `offerName`, its live click and its (reversed) live conversion
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 * @param {string} p.offerName
 * @param {string} p.advertiserEmail
 * @returns {Promise<[string, (string | [string, (page: import("playwright-core").Page) => Promise<void>])[]][]>}
 *   [email, paths] for the axe sweep
 */
export async function sandboxJourney({ adv, nav, offerName, advertiserEmail }) {
  const { page } = adv;
  const origins = () => page.getByLabel("Allowed web origins", { exact: true });
  const banner = () => page.getByTestId("test-mode-banner");
  const testSwitch = () => page.getByRole("switch", { name: "Test mode" });
  let secretUrl;
  let clickId;

  await step(adv, "creates a publishable test key for a site and gets its snippet", async () => {
    await nav(page, "Postback keys");
    await page.waitForURL(/\/postback-keys$/);
    await page.getByLabel("Name", { exact: true }).fill("shop site");
    await page.getByRole("radio", { name: /^Publishable/ }).check();
    await page.getByRole("radio", { name: /^Test/ }).check();
    assert(
      (await page.getByLabel("Allowed IP addresses", { exact: true }).count()) === 0,
      "a publishable key has origins, not IP addresses",
    );
    // Told at the field, before anything is sent.
    await origins().fill("shop.example");
    await page.getByRole("button", { name: "Create key" }).click();
    await eventually(
      "the origins marked invalid",
      async () => (await origins().getAttribute("aria-invalid")) === "true",
    );
    const described = (await origins().getAttribute("aria-describedby")) ?? "";
    const text = await page.locator(`[id="${described.split(" ").pop()}"]`).textContent();
    assert(/Line 1 .*https:\/\//.test(text ?? ""), `the field says what is wrong: ${text}`);

    await origins().fill("https://shop.example");
    await page.getByRole("button", { name: "Create key" }).click();
    const snippet = await eventually("the script snippet", () => testid(page, "sdk-snippet"));
    const key = await testid(page, "postback-key");
    assert(/^pk_test_/.test(key), `a publishable test key: ${key}`);
    assert(snippet.includes(`data-key="${key}"`), `the snippet holds the key: ${snippet}`);
    assert(
      snippet.includes(`data-endpoint="${env.edge}"`),
      `the snippet points at the edge (${env.edge}): ${snippet}`,
    );
    assert(/src="[^"]*afftok\.min\.js"/.test(snippet), `the snippet loads the SDK: ${snippet}`);
    const call = await testid(page, "sdk-conversion");
    assert(/"conversion"/.test(call), `the conversion call: ${call}`);
    assert((await page.getByTestId("postback-url").count()) === 0, "no postback URL to share");
    await page.getByRole("button", { name: "Copy the script tags" }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert(copied === snippet, `the snippet is copied: ${copied}`);
    await fitsThePhone(page);
    await shot(page, "advertiser-publishable-key", { fullPage: true });
    await page.getByRole("button", { name: "I have saved it" }).click();

    const row = page.locator('tr[data-kind="publishable"][data-mode="test"]');
    await eventually(
      "the key listed as publishable and test",
      async () => (await row.count()) === 1,
    );
    const listed = (await row.textContent()) ?? "";
    assert(listed.includes("https://shop.example"), `the row shows the origin: ${listed}`);
    assert(listed.includes("Publishable"), `the row shows the kind: ${listed}`);
  });

  await step(adv, "creates a secret test key for the server", async () => {
    await page.getByLabel("Name", { exact: true }).fill("shop server (test)");
    await page.getByRole("radio", { name: /^Test/ }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    secretUrl = await eventually("the postback URL", () => testid(page, "postback-url"));
    assert(secretUrl.includes("/postback/pbk_test_"), `a secret test key: ${secretUrl}`);
    await page.getByRole("button", { name: "I have saved it" }).click();
    await eventually(
      "two test keys listed",
      async () => (await page.locator('tr[data-mode="test"]').count()) === 2,
    );
  });

  await step(adv, "turns test mode on from the keyboard: a banner on every page", async () => {
    assert((await banner().count()) === 0, "no banner in live mode");
    await testSwitch().focus();
    await page.keyboard.press("Space");
    await eventually(
      "the switch on",
      async () => (await testSwitch().getAttribute("aria-checked")) === "true",
    );
    const said = await testid(page, "test-mode-banner");
    assert(
      said.includes("Test mode: sandbox traffic, not counted."),
      `the banner says so: ${said}`,
    );
    await nav(page, "Offers");
    await page.waitForURL(/\/offers$/);
    await banner().waitFor();
    await page.reload();
    await banner().waitFor();
    assert((await testSwitch().getAttribute("aria-checked")) === "true", "still on after a reload");
  });

  await step(adv, "mints a test click on its offer from the offer's page", async () => {
    await page.getByRole("link", { name: offerName }).first().click();
    await page.waitForURL(/\/offers\/\d+$/);
    const offerId = await testid(page, "offer-id");
    await page.getByTestId("offer-sandbox").click();
    await page.waitForURL(/\/sandbox\?offer=\d+$/);
    const chosen = page.getByLabel("Offer", { exact: true });
    await eventually("the offer chosen", async () => (await chosen.inputValue()) === offerId);
    await page.getByRole("button", { name: "Mint a test click" }).click();
    clickId = await eventually("the click id", () => testid(page, "minted-click-id"));
    assert(UUID.test(clickId), `a click id: ${clickId}`);
    const url = await testid(page, "minted-postback-url");
    assert(
      url === `${env.edge}/postback/{postback_key}?click_id=${clickId}`,
      `the postback URL to try: ${url}`,
    );
    await fitsThePhone(page);
    await shot(page, "advertiser-sandbox", { fullPage: true });
  });

  await step(
    adv,
    "a conversion on the test click, through the edge with the test key",
    async () => {
      const url = new URL(
        secretUrl
          .replace("{click_id}", clickId)
          .replace("{txid}", `SANDBOX-${Date.now()}`)
          .replace(/\{[a-z_]+\}/g, ""),
      );
      // The new key reaches the edge's KV, which the edge caches for 1 s here.
      let last = "";
      await eventually("the postback accepted by the edge", async () => {
        const r = await fetch(`${env.edge}${url.pathname}${url.search}`);
        last = `${r.status} ${await r.text()}`;
        return r.status === 200 && last.includes('"accepted"');
      }).catch((e) => {
        throw new Error(`${e.message} (last answer: ${last})`);
      });
    },
  );

  await step(adv, "the test lists show the test click and conversion, and only them", async () => {
    await page.getByTestId("test-conversions").click();
    await page.waitForURL(/\/conversions$/);
    await banner().waitFor();
    await eventually(
      "the test conversion listed",
      async () => {
        await page.reload();
        await page.getByRole("heading", { name: "Conversions" }).waitFor();
        return (await page.locator('tr[data-test="true"]').count()) === 1;
      },
      30_000,
    );
    assert(
      (await page.locator('tr[data-test="false"]').count()) === 0,
      "no live conversion in test mode",
    );
    await page.locator('tr[data-test="true"]').getByTestId("test-badge").waitFor();
    await shot(page, "advertiser-test-conversions");

    await nav(page, "Clicks");
    await page.waitForURL(/\/clicks$/);
    await eventually(
      "the test click listed",
      async () =>
        (await page.locator(`tr[data-click-id="${clickId}"][data-test="true"]`).count()) === 1,
    );
    assert(
      (await page.locator('tr[data-test="false"]').count()) === 0,
      "no live click in test mode",
    );
  });

  await step(adv, "turning test mode off shows the live lists again", async () => {
    await banner().getByRole("button", { name: "Turn test mode off" }).click();
    await eventually("the banner gone", async () => (await banner().count()) === 0);
    assert((await testSwitch().getAttribute("aria-checked")) === "false", "the switch is off");
    await eventually(
      "the live clicks",
      async () =>
        (await page.locator('tr[data-test="false"]').count()) >= 1 &&
        (await page.locator(`tr[data-click-id="${clickId}"]`).count()) === 0,
    );
    await nav(page, "Conversions");
    await page.waitForURL(/\/conversions$/);
    await eventually(
      "the live conversions",
      async () =>
        (await page.locator('tr[data-status="reversed"][data-test="false"]').count()) === 1 &&
        (await page.locator('tr[data-test="true"]').count()) === 0,
    );
  });

  return [
    [
      advertiserEmail,
      [
        "/sandbox",
        "/api-keys",
        [
          "/postback-keys",
          async (p) => {
            await p.getByRole("radio").nth(1).check();
            await p.locator('textarea[name="origins"]').waitFor();
          },
        ],
        [
          "/conversions",
          async (p) => {
            await p.getByTestId("test-mode-switch").click();
            await p.getByTestId("test-mode-banner").waitFor();
          },
        ],
      ],
    ],
  ];
}
