// The contest pages in the journeys (called by journeys.mjs): the admin makes a platform-wide
// contest through the form, its window started an hour ago, with two prizes, and publishes it
// (the API's tick then runs it); the promoter finds it among the running contests, enters and
// sees itself in the live standings, in English and Arabic; the advertiser makes a contest on
// its offer, is told at the field that its window ends before it starts, saves it as a draft,
// edits it, then cancels it (the reason is asked for at its field). Returns the contest pages
// for the accessibility sweep, by person.
import { assert, env, eventually, fitsThePhone, shot, step, testid } from "./lib.mjs";

/** A wall-clock time in Riyadh (the journeys' zone, UTC+3 all year) for a datetime-local input. */
function riyadh(ms) {
  return new Date(ms + 3 * 3_600_000).toISOString().slice(0, 16);
}

/** The error shown under a field (the last id it is described by). */
async function fieldError(page, field) {
  const described = (await field.getAttribute("aria-describedby")) ?? "";
  return page.locator(`[id="${described.split(" ").pop()}"]`).textContent();
}

/**
 * @param {object} p
 * @param {{ name: string, page: import("playwright-core").Page }} p.admin signed in
 * @param {{ name: string, page: import("playwright-core").Page }} p.adv signed in
 * @param {{ name: string, page: import("playwright-core").Page }} p.promoter signed in, in no team
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 * @param {string} p.stamp this run's mark, for unique names
 * @param {string} p.offerName the advertiser's approved offer
 * @param {string} p.promoterName
 * @param {string} p.promoterEmail
 * @param {string} p.advertiserEmail
 * @returns {Promise<[string, (string | [string, (page: import("playwright-core").Page) => Promise<void>])[]][]>}
 */
export async function contestsJourney({
  admin,
  adv,
  promoter,
  nav,
  stamp,
  offerName,
  promoterName,
  promoterEmail,
  advertiserEmail,
}) {
  const contestName = `Sprint ${stamp}`;
  const draftName = `Acme week ${stamp}`;
  let contestPath;
  let draftPath;

  await step(admin, "makes a platform-wide contest with two prizes and publishes it", async () => {
    const { page } = admin;
    await nav(page, "Contests");
    await page.waitForURL(/\/contests$/);
    await page.getByRole("link", { name: "New contest" }).click();
    await page.waitForURL(/\/contests\/new$/);
    await page.getByLabel("Name", { exact: true }).fill(contestName);
    await page.getByLabel("Description", { exact: true }).fill("Most approved conversions wins.");
    const now = Date.now();
    await page.getByLabel("Starts", { exact: true }).fill(riyadh(now - 3_600_000));
    await page.getByLabel("Ends", { exact: true }).fill(riyadh(now + 2 * 86_400_000));
    await page.getByLabel("What counts").selectOption("conversions");
    await page.getByLabel("Who competes").selectOption("individual");
    const rows = page.getByTestId("prize-row");
    await rows.nth(0).getByLabel("Prize", { exact: true }).fill("Gift card");
    await rows.nth(0).getByLabel("Amount", { exact: true }).fill("100.00");
    await rows.nth(0).getByLabel("Currency", { exact: true }).fill("usd");
    await page.getByRole("button", { name: "Add a prize" }).click();
    assert((await rows.count()) === 2, "a second prize row");
    assert(
      (await rows.nth(1).getByLabel("Rank", { exact: true }).inputValue()) === "2",
      "the new row is for rank 2",
    );
    await rows.nth(1).getByLabel("Prize", { exact: true }).fill("T-shirt");
    await rows.nth(1).getByLabel("Currency", { exact: true }).fill("");
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/\/contests\/\d+$/);
    contestPath = new URL(page.url()).pathname;
    await eventually("told the draft is saved", async () =>
      (await testid(page, "contest-notice")).includes("Draft saved"),
    );
    assert((await testid(page, "contest-status")) === "Draft", "a draft");
    const prizes = await testid(page, "prizes");
    assert(/#1\s*Gift card \(\$100\.00\)/.test(prizes), `the prizes: ${prizes}`);
    assert(/#2\s*T-shirt/.test(prizes), `the second prize: ${prizes}`);
    await page.getByRole("button", { name: "Publish" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Publish" }).click();
    await dialog.waitFor({ state: "hidden" });
    await eventually("told it is published", async () =>
      (await testid(page, "contest-notice")).includes("Published"),
    );
    // Its start has passed: the API's tick runs it a moment later, and the page follows.
    await eventually("running", async () => (await testid(page, "contest-status")) === "Running");
    const countdown = await testid(page, "countdown");
    assert(/^Ends in (1|2) day/.test(countdown), `the time left: ${countdown}`);
    assert(
      (await page.getByRole("link", { name: "Edit draft" }).count()) === 0,
      "a published contest cannot be edited",
    );
    await page.getByRole("button", { name: "Cancel contest" }).waitFor();
    await fitsThePhone(page);
  });

  await step(
    promoter,
    "finds the contest running, enters it, sees itself in the standings",
    async () => {
      const { page } = promoter;
      await nav(page, "Contests");
      await page.waitForURL(/\/contests$/);
      assert(
        (await page.getByRole("button", { name: "Running" }).getAttribute("aria-pressed")) ===
          "true",
        "the running contests first",
      );
      const card = page.getByTestId("contest").filter({ hasText: contestName });
      await card.waitFor();
      assert((await card.textContent()).includes("Gift card"), "the card lists the prizes");
      await card.getByRole("link", { name: contestName }).click();
      await page.waitForURL(new RegExp(`${contestPath}$`));
      assert(
        (await testid(page, "contest-description")) === "Most approved conversions wins.",
        "the description",
      );
      assert(
        (await page.getByRole("button", { name: "Cancel contest" }).count()) === 0,
        "a promoter has no manager's actions",
      );
      await page.getByTestId("standings-empty").waitFor();
      await page.getByRole("button", { name: "Enter the contest" }).click();
      await eventually("told it entered", async () =>
        (await testid(page, "contest-notice")).includes("You entered the contest"),
      );
      await page.getByTestId("entered").waitFor();
      const mine = page.getByTestId("standing-mine");
      await mine.waitFor();
      const row = await mine.textContent();
      assert(row.includes(promoterName) && row.includes("You"), `my row, marked: ${row}`);
      assert((await mine.getAttribute("aria-current")) === "true", "my row is the current one");
      const place = await testid(page, "my-place");
      assert(/^Your place: #1 with 0\./.test(place), `my place: ${place}`);
      assert((await testid(page, "contest-entrants")) === "1", "one entrant");
      await page.getByRole("button", { name: "Leave the contest" }).waitFor();
      await fitsThePhone(page);
      await shot(page, "promoter-contest", { fullPage: true });

      await nav(page, "Contests");
      await page.getByRole("button", { name: "Entered" }).click();
      await page.getByTestId("contest").filter({ hasText: contestName }).waitFor();
    },
  );

  await step(promoter, "the contest page in Arabic runs right to left", async () => {
    const { page } = promoter;
    await page.goto(`${env.app}${contestPath}`);
    await page.getByTestId("standing-mine").waitFor();
    await page.getByTestId("language").selectOption("ar");
    await eventually(
      "dir=rtl",
      async () => (await page.evaluate(() => document.documentElement.dir)) === "rtl",
    );
    await eventually("the standings titled in Arabic", async () =>
      /[\u0600-\u06FF]/.test(
        await page.getByTestId("standings-section").locator("h2").textContent(),
      ),
    );
    const countdown = await testid(page, "countdown");
    assert(/[\u0600-\u06FF]/.test(countdown), `the countdown in Arabic: ${countdown}`);
    const rank = await page.getByTestId("standing-mine").locator("td").first().boundingBox();
    const width = page.viewportSize().width;
    assert(rank.x > width / 2, `the rank column is on the right: x=${rank.x} of ${width}`);
    await shot(page, "promoter-contest-ar", { fullPage: true });
    await page.getByTestId("language").selectOption("en");
    await eventually(
      "back to English",
      async () => (await page.evaluate(() => document.documentElement.dir)) === "ltr",
    );
  });

  await step(adv, "a window that ends before it starts is refused at the field", async () => {
    const { page } = adv;
    await nav(page, "Contests");
    await page.waitForURL(/\/contests$/);
    assert(
      (await page.getByTestId("contest").filter({ hasText: contestName }).count()) === 0,
      "an advertiser does not see the platform's contests",
    );
    await page.getByRole("link", { name: "New contest" }).click();
    await page.waitForURL(/\/contests\/new$/);
    const metrics = await page.getByLabel("What counts").locator("option").allTextContents();
    assert(!metrics.includes("Points"), `no points metric for advertisers: ${metrics}`);
    await page.getByLabel("Name", { exact: true }).fill(draftName);
    const now = Date.now();
    const starts = page.getByLabel("Starts", { exact: true });
    const ends = page.getByLabel("Ends", { exact: true });
    await starts.fill(riyadh(now + 86_400_000));
    await ends.fill(riyadh(now + 3_600_000));
    await page.getByRole("checkbox", { name: offerName }).check();
    await page.getByTestId("prize-row").first().getByLabel("Prize", { exact: true }).fill("Mug");
    await page.getByRole("button", { name: "Save draft" }).click();
    await eventually(
      "the end marked invalid",
      async () => (await ends.getAttribute("aria-invalid")) === "true",
    );
    const text = await fieldError(page, ends);
    assert(/after starts_at/.test(text ?? ""), `the field says why: ${text}`);
    assert(/\/contests\/new$/.test(page.url()), "still on the form");
    await fitsThePhone(page);
    await shot(page, "advertiser-contest-form-error", { fullPage: true });
  });

  await step(adv, "saves the draft on its offer, edits it, then cancels it", async () => {
    const { page } = adv;
    await page.getByLabel("Ends", { exact: true }).fill(riyadh(Date.now() + 8 * 86_400_000));
    await page.getByRole("button", { name: "Save draft" }).click();
    await page.waitForURL(/\/contests\/\d+$/);
    draftPath = new URL(page.url()).pathname;
    assert((await testid(page, "contest-status")) === "Draft", "a draft");
    const offers = await testid(page, "contest-offers");
    assert(offers.includes(offerName), `the draft counts the offer: ${offers}`);

    await page.getByRole("link", { name: "Edit draft" }).click();
    await page.waitForURL(/\/edit$/);
    const name = page.getByLabel("Name", { exact: true });
    await eventually("the form filled", async () => (await name.inputValue()) === draftName);
    assert(
      await page.getByRole("checkbox", { name: offerName }).isChecked(),
      "the offer still chosen",
    );
    await name.fill(`${draftName} (edited)`);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.waitForURL(new RegExp(`${draftPath}$`));
    await eventually("told it saved", async () =>
      (await testid(page, "contest-notice")).includes("Changes saved"),
    );
    assert(
      (await page.locator("main h1").textContent()) === `${draftName} (edited)`,
      "the new name",
    );

    await page.getByRole("button", { name: "Cancel contest" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Cancel contest" }).click();
    const reason = dialog.getByLabel("Reason", { exact: true });
    await eventually(
      "the reason asked for",
      async () => (await reason.getAttribute("aria-invalid")) === "true",
    );
    await reason.fill("Planned a better one.");
    await dialog.getByRole("button", { name: "Cancel contest" }).click();
    await dialog.waitFor({ state: "hidden" });
    await eventually(
      "cancelled",
      async () => (await testid(page, "contest-status")) === "Cancelled",
    );
    const why = await testid(page, "cancel-reason");
    assert(why.includes("Planned a better one."), `the reason shown: ${why}`);
  });

  return [
    [promoterEmail, ["/contests", "/contests?tab=mine", contestPath]],
    [
      env.adminEmail,
      [
        "/contests",
        "/contests/new",
        contestPath,
        [
          contestPath,
          async (page) => {
            // By test id: the sweep runs in Arabic too.
            await page.getByTestId("cancel-contest").click();
            await page.getByRole("dialog").waitFor();
          },
        ],
      ],
    ],
    [advertiserEmail, ["/contests", "/contests/new", draftPath]],
  ];
}
