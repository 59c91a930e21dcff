// The fraud pages in the journeys (called by journeys.mjs once the promoter has traffic): the
// admin finds the journey's promoter in Fraud review and suspends it from its row, the
// promoter sees the suspension on its Traffic quality page, the admin opens the promoter's
// insight (state and history) and reinstates it, and the promoter's notice goes. Returns the
// fraud pages for the accessibility sweep, by person.
import { assert, env, eventually, fitsThePhone, shot, step, testid } from "./lib.mjs";

/**
 * @param {object} p
 * @param {{ name: string, page: import("playwright-core").Page }} p.admin signed in
 * @param {{ name: string, page: import("playwright-core").Page }} p.promoter signed in, with a click
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 *   follows a link of the navigation
 * @param {string} p.promoterEmail
 * @param {string} p.promoterName
 * @param {string} p.advertiserEmail the advertiser of the promoter's offer
 * @returns {Promise<[string, string[]][]>} [email, paths] for the axe sweep
 */
export async function fraudJourney({
  admin,
  promoter,
  nav,
  promoterEmail,
  promoterName,
  advertiserEmail,
}) {
  let promoterId;
  let offerId;
  const row = () => admin.page.getByTestId("fraud-queue-row").filter({ hasText: promoterEmail });

  await step(admin, "finds the promoter in Fraud review, with its risk level", async () => {
    const { page } = admin;
    await nav(page, "Fraud review");
    await page.waitForURL(/\/admin\/fraud$/);
    await row().waitFor();
    promoterId = Number(await row().getAttribute("data-promoter"));
    assert(promoterId > 0, `the row names the promoter: ${promoterId}`);
    const level = await row().getByTestId("risk-level").first().textContent();
    assert(/risk/i.test(level ?? ""), `the risk level in words: ${level}`);
    const state = await row().getByTestId("suspension-state").textContent();
    assert(state === "Not suspended", `not suspended yet: ${state}`);
    await fitsThePhone(page);
    await shot(page, "admin-fraud-queue", { fullPage: true });
  });

  await step(admin, "suspends the promoter from its row, a reason required", async () => {
    const { page } = admin;
    await row()
      .getByRole("button", { name: `Suspend ${promoterName}`, exact: true })
      .click();
    const dialog = page.getByRole("dialog");
    const submit = dialog.getByRole("button", { name: "Suspend promoter" });
    await submit.click();
    const reason = dialog.getByLabel("Reason");
    await eventually(
      "the reason marked missing",
      async () => (await reason.getAttribute("aria-invalid")) === "true",
    );
    await reason.fill("clicks from a click farm (journey)");
    await submit.click();
    await page.getByTestId("suspension-notice").waitFor();
    await eventually(
      "the row suspended",
      async () => (await row().getByTestId("suspension-state").textContent()) === "Suspended",
    );
    assert((await dialog.count()) === 0 || !(await dialog.isVisible()), "the dialog closed");
    await row()
      .getByRole("button", { name: `Reinstate ${promoterName}`, exact: true })
      .waitFor();
  });

  await step(promoter, "Traffic quality shows its traffic and its suspension", async () => {
    const { page } = promoter;
    await nav(page, "Traffic quality");
    await page.waitForURL(/\/fraud\/me$/);
    await page.getByTestId("own-suspension").waitFor();
    await eventually("its click in the insight", async () => {
      const total = Number((await testid(page, "fraud-total")).replace(/\D/g, ""));
      return total >= 1;
    });
    await page.getByTestId("risk-level").first().waitFor();
    await page.getByTestId("filtered-table").waitFor();
    await fitsThePhone(page);
    await shot(page, "promoter-traffic-quality", { fullPage: true });
  });

  await step(admin, "opens the promoter's insight and reinstates it there", async () => {
    const { page } = admin;
    await row().getByRole("link", { name: "Open insight" }).click();
    await page.waitForURL(new RegExp(`/fraud/promoters/${promoterId}(\\?|$)`));
    await eventually("its click in the insight", async () => {
      const total = Number((await testid(page, "fraud-total")).replace(/\D/g, ""));
      return total >= 1;
    });
    const title = await page.locator("main h1").textContent();
    assert(title?.includes(promoterName), `the title names the promoter: ${title}`);
    const offerLink = page.getByTestId("rates-table").getByRole("link").first();
    offerId = Number(
      /\/fraud\/offers\/(\d+)/.exec((await offerLink.getAttribute("href")) ?? "")?.[1],
    );
    assert(offerId > 0, `the promoter's offer is listed: ${offerId}`);
    const panel = page.getByTestId("suspension-panel");
    await eventually(
      "the suspension shown",
      async () => (await panel.getByTestId("suspension-state").textContent()) === "Suspended",
    );
    const history = panel.getByTestId("suspension-history").locator("li");
    assert((await history.count()) === 1, "one suspension in the history");
    await fitsThePhone(page);
    await shot(page, "admin-fraud-insight", { fullPage: true });
    await panel.getByRole("button", { name: `Reinstate ${promoterName}`, exact: true }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason").fill("cleared after review (journey)");
    await dialog.getByRole("button", { name: "Reinstate promoter" }).click();
    await panel.getByTestId("suspension-notice").waitFor();
    await eventually(
      "the promoter reinstated",
      async () =>
        (await panel.getByTestId("suspension-state").textContent()) === "Not suspended" &&
        (await history.count()) === 2,
    );
    const actions = await history.evaluateAll((rows) => rows.map((r) => r.dataset.action));
    assert(actions.join() === "reinstate,suspend", `newest first: ${actions}`);
  });

  await step(promoter, "the suspension notice is gone once reinstated", async () => {
    const { page } = promoter;
    await page.reload();
    await page.getByTestId("fraud-total").waitFor();
    await page.waitForLoadState("networkidle");
    await page.getByTestId("risk-level").first().waitFor();
    assert((await page.getByTestId("own-suspension").count()) === 0, "no suspension notice");
  });

  /** Switches the UI's language and waits for the page's direction to follow. */
  async function language(page, lang) {
    await page.getByTestId("language").selectOption(lang);
    const dir = lang === "ar" ? "rtl" : "ltr";
    await eventually(
      `dir=${dir}`,
      async () => (await page.evaluate(() => document.documentElement.dir)) === dir,
    );
  }

  await step(promoter, "Traffic quality in Arabic, right to left", async () => {
    const { page } = promoter;
    await language(page, "ar");
    await page.getByTestId("fraud-total").waitFor();
    const title = await page.locator("main h1").first().textContent();
    assert(/[\u0600-\u06FF]/.test(title ?? ""), `the title is in Arabic: ${title}`);
    await fitsThePhone(page);
    await shot(page, "promoter-traffic-quality-ar", { fullPage: true });
    await language(page, "en");
  });

  // The seeded promoter has three weeks of traffic from one subnet: findings, notes, rates.
  let demoId;
  await step(admin, "the insight of a promoter with findings, in English and Arabic", async () => {
    const { page } = admin;
    await nav(page, "Fraud review");
    const demo = page.getByTestId("fraud-queue-row").filter({ hasText: env.demoEmail });
    demoId = Number(await demo.getAttribute("data-promoter"));
    await demo.getByRole("link", { name: "Open insight" }).click();
    await page.waitForURL(new RegExp(`/fraud/promoters/${demoId}(\\?|$)`));
    await page.getByTestId("fraud-total").waitFor();
    await page.getByTestId("findings").or(page.getByTestId("no-findings")).first().waitFor();
    await fitsThePhone(page);
    await shot(page, "admin-fraud-insight-demo", { fullPage: true });
    await language(page, "ar");
    await page.getByTestId("fraud-total").waitFor();
    await fitsThePhone(page);
    await shot(page, "admin-fraud-insight-demo-ar", { fullPage: true });
    await language(page, "en");
  });

  return [
    [promoterEmail, ["/fraud/me", `/fraud/offers/${offerId}`]],
    [advertiserEmail, [`/fraud/promoters/${promoterId}`, `/fraud/offers/${offerId}`]],
    [
      env.adminEmail,
      [
        "/admin/fraud",
        `/fraud/promoters/${promoterId}`,
        `/fraud/promoters/${demoId}`,
        `/fraud/offers/${offerId}`,
      ],
    ],
  ];
}
