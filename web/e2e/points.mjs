// The points pages in the journeys (called by journeys.mjs once the promoter's conversion was
// approved and reversed): the admin finds the promoter on the users page and opens its
// points from its row, is told at the fields what an empty adjustment lacks, adds points up
// to one short of Silver, then one more, and sees the new standing each time; the promoter
// sees Silver, its progress to Gold, both adjustments with their reasons and the conversion's
// entries, follows one to the conversion, and reads the page in Arabic right to left.
// Returns the pages for the accessibility sweep, by person.
import { assert, env, eventually, fitsThePhone, shot, step, testid } from "./lib.mjs";

/** Switches the UI's language and waits for the page's direction to follow. */
async function language(page, lang) {
  await page.getByTestId("language").selectOption(lang);
  const dir = lang === "ar" ? "rtl" : "ltr";
  await eventually(
    `dir=${dir}`,
    async () => (await page.evaluate(() => document.documentElement.dir)) === dir,
  );
}

/** A number as the English UI writes it ("1,500"). */
async function number(page, id) {
  return Number((await testid(page, id)).replace(/[^\d.-]/g, ""));
}

/**
 * @param {object} p
 * @param {{ name: string, page: import("playwright-core").Page }} p.admin signed in
 * @param {{ name: string, page: import("playwright-core").Page }} p.promoter signed in
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 * @param {string} p.promoterEmail
 * @param {string} p.promoterName
 * @returns {Promise<[string, string[]][]>} [email, paths] for the axe sweep
 */
export async function pointsJourney({ admin, promoter, nav, promoterEmail, promoterName }) {
  let promoterId;
  let conversionId;
  const first = "welcome bonus (journey)";
  const second = "one more to Silver (journey)";

  await step(admin, "opens a promoter's points from its row on the users page", async () => {
    const { page } = admin;
    await nav(page, "Users");
    await page.waitForURL(/\/admin\/users/);
    await page.getByLabel("Email or name contains").fill(promoterEmail);
    await page.getByRole("button", { name: "Search" }).click();
    const row = page.getByTestId("user-row").filter({ hasText: promoterEmail });
    await row.waitFor();
    await row.getByRole("link", { name: `Points of ${promoterName}`, exact: true }).click();
    await page.waitForURL(/\/admin\/promoters\/\d+\/points$/);
    promoterId = Number(/\/admin\/promoters\/(\d+)\/points/.exec(page.url())?.[1]);
    assert(promoterId > 0, `the address names the promoter: ${page.url()}`);
    // The page is its own chunk: the users page's title stays until it has loaded.
    await page.getByTestId("points-standing").waitFor();
    const title = await page.locator("main h1").textContent();
    assert(title?.includes(promoterName), `the title names the promoter: ${title}`);
    const level = await testid(page, "points-level");
    assert(level === "Bronze", `a new promoter is Bronze: ${level}`);
    await page.getByTestId("ledger").or(page.getByText("No points yet.")).first().waitFor();
  });

  await step(admin, "an empty adjustment is refused at its fields", async () => {
    const { page } = admin;
    const form = page.getByTestId("adjust-form");
    await form.getByRole("button", { name: "Adjust points" }).click();
    const points = form.getByLabel("Points", { exact: true });
    const reason = form.getByLabel("Reason", { exact: true });
    await eventually(
      "both fields marked invalid",
      async () =>
        (await points.getAttribute("aria-invalid")) === "true" &&
        (await reason.getAttribute("aria-invalid")) === "true",
    );
    const described = (await reason.getAttribute("aria-describedby")) ?? "";
    const text = await page.locator(`[id="${described.split(" ").pop()}"]`).textContent();
    assert(/why/i.test(text ?? ""), `the reason's error says what is missing: ${text}`);
  });

  await step(admin, "adds points to one short of Silver, then one more", async () => {
    const { page } = admin;
    // Points the promoter already has (its click, its conversion approved then reversed).
    const had = await number(page, "points-lifetime");
    assert(had >= 0 && had < 499, `the promoter starts below 499: ${had}`);
    const form = page.getByTestId("adjust-form");
    await form.getByLabel("Points", { exact: true }).fill(String(499 - had));
    await form.getByLabel("Reason", { exact: true }).fill(first);
    await form.getByRole("button", { name: "Adjust points" }).click();
    await eventually("the new standing said", async () =>
      /499 lifetime points, level Bronze/.test(await testid(page, "adjust-done")),
    );
    await eventually(
      "one point to Silver",
      async () => (await testid(page, "points-to-next")) === "1 point to Silver",
    );
    await form.getByLabel("Points", { exact: true }).fill("1");
    await form.getByLabel("Reason", { exact: true }).fill(second);
    await form.getByRole("button", { name: "Adjust points" }).click();
    await eventually("Silver", async () => (await testid(page, "points-level")) === "Silver");
    const done = await testid(page, "adjust-done");
    assert(/\+1: 500 lifetime points, level Silver/.test(done), `the new standing: ${done}`);
    await eventually(
      "both adjustments on top of the ledger, newest first",
      async () =>
        (await page.getByTestId("ledger-reason").allTextContents()).slice(0, 2).join("|") ===
        `${second}|${first}`,
    );
    await fitsThePhone(page);
    await shot(page, "admin-points", { fullPage: true });
  });

  await step(promoter, "Points shows Silver, the progress to Gold and the ledger", async () => {
    const { page } = promoter;
    await nav(page, "Points");
    await page.waitForURL(/\/points$/);
    await page.getByTestId("points-standing").waitFor();
    assert((await testid(page, "points-level")) === "Silver", "the promoter is Silver");
    assert((await number(page, "points-lifetime")) === 500, "500 lifetime points");
    const next = await testid(page, "points-to-next");
    assert(next === "1,500 points to Gold", `the progress in words: ${next}`);
    const bar = page.getByRole("progressbar", { name: "Progress to Gold" });
    assert((await bar.getAttribute("aria-valuenow")) === "0", "just started on Silver");
    const text = (await bar.getAttribute("aria-valuetext")) ?? "";
    assert(text.includes("1,500 points to Gold"), `the bar's text: ${text}`);
    const rungs = await page
      .getByTestId("points-ladder")
      .locator("li")
      .evaluateAll((li) => li.map((l) => `${l.dataset.state}`));
    assert(
      rungs.join() === "reached,current,ahead,ahead,ahead",
      `Bronze reached, Silver current: ${rungs}`,
    );
    const current = page.getByTestId("points-ladder").locator('[aria-current="step"]');
    assert((await current.textContent())?.includes("Silver"), "Silver is marked current");

    const entries = page.getByTestId("ledger-entry");
    await entries.first().waitFor();
    const adjustments = entries.filter({ has: page.getByTestId("ledger-reason") });
    const seen = await adjustments.evaluateAll((es) =>
      es.map((e) => [
        e.dataset.points,
        e.querySelector("[data-testid=ledger-points]")?.textContent,
        e.querySelector("[data-testid=ledger-cause]")?.textContent,
        e.querySelector("[data-testid=ledger-reason]")?.textContent,
      ]),
    );
    assert(seen.length === 2, `two adjustments: ${JSON.stringify(seen)}`);
    assert(
      seen[0].join("|") === "1|+1 added|Adjustment by an admin|" + second,
      `the newest adjustment, its sign in words too: ${seen[0]}`,
    );
    assert(seen[1][3] === first && seen[1][1].startsWith("+"), `the first one: ${seen[1]}`);

    // The journey's conversion was approved, then reversed by the advertiser.
    const approved = page.locator('[data-testid=ledger-entry][data-cause="conversion_approved"]');
    const reversed = page.locator('[data-testid=ledger-entry][data-cause="conversion_unapproved"]');
    await eventually(
      "the conversion's entries",
      async () => (await approved.count()) === 1 && (await reversed.count()) === 1,
    );
    const loss = await reversed.getByTestId("ledger-points").textContent();
    assert(/^-\d+ taken back$/.test(loss ?? ""), `the reversal is negative, in words: ${loss}`);
    assert(
      (await reversed.evaluate((e) => e.classList.contains("points-loss"))) === true,
      "styled as a loss",
    );
    await fitsThePhone(page);
    await shot(page, "promoter-points", { fullPage: true });

    const link = reversed.getByRole("link", { name: "View the conversion" });
    conversionId = new URL((await link.getAttribute("href")) ?? "", page.url()).searchParams.get(
      "id",
    );
    await link.click();
    await page.waitForURL(/\/conversions\?id=/);
    await page.getByTestId("one-conversion").waitFor();
    const rows = page.locator("tr[data-conversion-id]");
    await rows.first().waitFor();
    assert((await rows.count()) === 1, "the conversion alone");
    assert(
      (await rows.first().getAttribute("data-conversion-id")) === conversionId,
      "the ledger's conversion",
    );
    assert((await rows.first().getAttribute("data-status")) === "reversed", "it was reversed");
  });

  await step(promoter, "Points in Arabic, right to left", async () => {
    const { page } = promoter;
    await nav(page, "Points");
    await page.getByTestId("points-standing").waitFor();
    await language(page, "ar");
    await eventually(
      "the level in Arabic",
      async () => (await testid(page, "points-level")) === "الفضي",
    );
    const title = await page.locator("main h1").first().textContent();
    assert(/[\u0600-\u06FF]/.test(title ?? ""), `the title is in Arabic: ${title}`);
    const next = await testid(page, "points-to-next");
    assert(next.includes("الذهبي"), `the progress names Gold in Arabic: ${next}`);
    // The points sit at the start of each entry: on the right in Arabic.
    const entry = await page.getByTestId("ledger-entry").first().boundingBox();
    const amount = await page.getByTestId("ledger-points").first().boundingBox();
    assert(
      amount.x + amount.width > entry.x + entry.width - 2,
      `the points on the right: ${JSON.stringify({ amount, entry })}`,
    );
    await fitsThePhone(page);
    await shot(page, "promoter-points-ar", { fullPage: true });
    await language(page, "en");
  });

  return [
    [promoterEmail, ["/points", `/conversions?id=${conversionId}`]],
    [env.adminEmail, [`/admin/promoters/${promoterId}/points`, "/admin/users?role=promoter"]],
  ];
}
