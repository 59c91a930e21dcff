// Each role's main journey in real Chromium against a real control plane and the native
// edge, started by tests/web.rs (which passes their URLs): see that file for what runs.
import { readFileSync } from "node:fs";
import { assistantJourney } from "./assistant.mjs";
import { contestsJourney } from "./contests.mjs";
import { fraudJourney } from "./fraud.mjs";
import { leaderboardsJourney } from "./leaderboards.mjs";
import { assert, env, eventually, failed, launch, person, shot, step, testid } from "./lib.mjs";
import { pointsJourney } from "./points.mjs";
import { sandboxJourney } from "./sandbox.mjs";
import { teamsJourney } from "./teams.mjs";
import { webhooksJourney } from "./webhooks.mjs";

const BROWSER_UA =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36";
const stamp = Date.now().toString(36);
const offerName = `Summer sale ${stamp}`;
const browser = await launch();
const app = (path) => `${env.app}${path}`;

async function fill(page, label, value) {
  await page.getByLabel(label, { exact: true }).fill(value);
}

async function signUp(who, role, name, email, company) {
  const { page } = who;
  await page.goto(app("/signup"));
  await page
    .getByRole("radio", { name: role === "advertiser" ? /An advertiser/ : /A promoter/ })
    .check();
  await fill(page, "Your name", name);
  if (company) await fill(page, "Company", company);
  await fill(page, "Email", email);
  await fill(page, "Password", env.password);
  await page.getByRole("button", { name: "Sign up" }).click();
}

async function logIn(who, email) {
  const { page } = who;
  await page.goto(app("/login"));
  await fill(page, "Email", email);
  await fill(page, "Password", env.password);
  await page.getByRole("button", { name: "Log in" }).click();
}

/** Follows a link of the navigation, opening the menu first on a phone-sized window. */
async function nav(page, name) {
  const toggle = page.getByRole("button", { name: "Menu" });
  if (await toggle.isVisible()) await toggle.click();
  await page.getByRole("navigation").getByRole("link", { name, exact: true }).click();
}

/** Numbers on the page as the English UI writes them ("1,234"). */
async function number(page, id) {
  return Number((await testid(page, id)).replace(/[^\d.-]/g, ""));
}

let clickId;
let postbackUrl;
let linkUrl;

try {
  const adv = await person(browser, "advertiser");
  const admin = await person(browser, "admin");
  const promoter = await person(browser, "promoter");

  await step(adv, "sign-up shows the API's field errors next to the fields", async () => {
    const { page } = adv;
    await page.goto(app("/signup"));
    await page.getByRole("radio", { name: /An advertiser/ }).check();
    await fill(page, "Your name", "Ada Advertiser");
    await fill(page, "Company", "Acme Shop");
    await fill(page, "Email", "not-an-email");
    await fill(page, "Password", "short");
    await page.getByRole("button", { name: "Sign up" }).click();
    const password = page.getByLabel("Password", { exact: true });
    await eventually(
      "the password field marked invalid",
      async () => (await password.getAttribute("aria-invalid")) === "true",
    );
    const described = await password.getAttribute("aria-describedby");
    const text = await page.locator(`[id="${described.split(" ").pop()}"]`).textContent();
    assert(/10/.test(text), `the password's error says what is wrong: ${text}`);
    assert(
      (await page.getByLabel("Email", { exact: true }).getAttribute("aria-invalid")) === "true",
      "the email is marked too",
    );
  });

  await step(adv, "signs up as an advertiser and lands on the offers", async () => {
    await signUp(adv, "advertiser", "Ada Advertiser", `ada-${stamp}@shop.e2e`, "Acme Shop");
    await adv.page.waitForURL(/\/offers$/);
  });

  await step(adv, "creates an offer and submits it", async () => {
    const { page } = adv;
    await page.getByRole("link", { name: "New offer" }).click();
    await fill(page, "Name", offerName);
    await fill(page, "Category", "shopping");
    await fill(page, "Destination URL", "https://shop.example/land?c={click_id}&s={sub1}");
    await page.getByRole("radio", { name: /^CPA/ }).check();
    await fill(page, "Amount per conversion", "2.50");
    await fill(page, "Currency", "USD");
    const preview = await testid(page, "url-preview");
    assert(/shop\.example\/land\?c=/.test(preview), `the preview fills the macros: ${preview}`);
    // The fraud settings: the journey's postback follows its click within a second, so no
    // minimum time from click to conversion; flagged conversions rejected (the default).
    await fill(page, "Minimum time from click to conversion (seconds)", "0");
    assert(
      await page.getByRole("radio", { name: "Reject them" }).isChecked(),
      "flagged conversions are rejected by default",
    );
    assert(
      (await page.getByRole("radio", { name: "Hold them for my review" }).count()) === 1,
      "flagged conversions may be held for review instead",
    );
    await page.getByRole("button", { name: "Create draft" }).click();
    await page.waitForURL(/\/offers\/\d+$/);
    const minCtit = await testid(page, "offer-min-ctit");
    assert(minCtit === "No minimum (0 seconds)", `the offer shows its minimum: ${minCtit}`);
    const policy = await testid(page, "offer-fraud-policy");
    assert(policy === "Reject them", `the offer shows its fraud policy: ${policy}`);
    await page.getByRole("button", { name: "Submit for review" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Submit for review" }).click();
    await eventually(
      "the offer in review",
      async () => (await page.getByText("An admin is reviewing this offer.").count()) > 0,
    );
  });

  await step(admin, "approves the offer in the review queue", async () => {
    await logIn(admin, env.adminEmail);
    const { page } = admin;
    await page.waitForURL(/\/admin\/review$/);
    await page.getByRole("button", { name: `Approve ${offerName}` }).click();
    const dialog = page.getByRole("dialog");
    if (await dialog.count()) await dialog.getByRole("button", { name: /Approve/ }).click();
    await eventually(
      "the offer leaves the queue",
      async () => (await page.getByRole("button", { name: `Approve ${offerName}` }).count()) === 0,
    );
  });

  await step(promoter, "signs up, finds the offer in the marketplace and joins", async () => {
    await signUp(promoter, "promoter", "Pat Promoter", `pat-${stamp}@promo.e2e`);
    const { page } = promoter;
    await page.waitForURL(/\/marketplace/);
    await page.getByRole("searchbox").fill(stamp);
    await page.getByRole("link", { name: offerName }).first().click();
    await page.getByRole("button", { name: /Join/ }).click();
    await page.getByTestId("joined").waitFor();
    await page.goto(app("/links"));
    linkUrl = await eventually("the link's URL", () => testid(page, "link-url"));
    assert(linkUrl.startsWith(env.edge), `the link is on the edge: ${linkUrl}`);
    await page.getByRole("button", { name: /Copy/ }).first().click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert(copied.startsWith(env.edge), `the clipboard holds the link: ${copied}`);
  });

  await step(promoter, "a click through the edge redirects with a click id", async () => {
    const location = await eventually("a redirect from the edge", async () => {
      const r = await fetch(linkUrl, { redirect: "manual", headers: { "user-agent": BROWSER_UA } });
      return r.status === 302 ? r.headers.get("location") : null;
    });
    clickId = new URL(location).searchParams.get("c");
    assert(/^[0-9a-f-]{36}$/.test(clickId), `a click id in ${location}`);
  });

  await step(adv, "creates a postback key and the postback reaches the edge", async () => {
    const { page } = adv;
    await nav(page, "Postback keys");
    await fill(page, "Name", "shop server");
    await page.getByRole("button", { name: "Create key" }).click();
    postbackUrl = await eventually("the postback URL", () => testid(page, "postback-url"));
    const url = new URL(postbackUrl.replace("{click_id}", clickId));
    const edgeUrl = `${env.edge}${url.pathname}${url.search}`;
    // The control plane pushes the new key to the edge's KV, which the edge caches for 1 s
    // here: until then the edge answers 403 for it.
    let last = "";
    await eventually("the postback accepted by the edge", async () => {
      const r = await fetch(edgeUrl.replace(/\{[a-z_]+\}/g, ""));
      last = `${r.status} ${await r.text()}`;
      return r.status === 200 && last.includes('"accepted"');
    }).catch((e) => {
      throw new Error(`${e.message} (last answer: ${last})`);
    });
  });

  await step(promoter, "the stats page shows the click and the conversion, live too", async () => {
    const { page } = promoter;
    await page.goto(app("/stats"));
    await eventually(
      "1 click and 1 conversion in the totals",
      async () => {
        await page.reload();
        await page.getByTestId("total-clicks").waitFor();
        return (
          (await number(page, "total-clicks")) === 1 &&
          (await number(page, "total-conversions")) === 1
        );
      },
      30_000,
    );
    await eventually(
      "the live counters",
      async () =>
        (await number(page, "live-clicks")) === 1 && (await number(page, "live-conversions")) === 1,
    );
    await shot(page, "promoter-stats");
  });

  await step(adv, "reverses the conversion with a reason", async () => {
    const { page } = adv;
    await nav(page, "Conversions");
    await page.getByRole("button", { name: "Reverse" }).first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason").fill("refunded by the customer");
    await dialog.getByRole("button", { name: "Reverse" }).click();
    await eventually(
      "the conversion reversed",
      async () => (await page.locator('tr[data-status="reversed"]').count()) === 1,
    );
    await shot(page, "advertiser-conversions");
  });

  await step(adv, "the conversions show their fraud reasons, filtered", async () => {
    const { page } = adv;
    const table = page.getByTestId("conversions");
    assert(
      (await table.getByRole("columnheader", { name: "Fraud", exact: true }).count()) === 1,
      "a fraud column",
    );
    const fraud = page.getByLabel("Fraud", { exact: true });
    await fraud.selectOption({ label: "Clean" });
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/[?&]fraud=none/);
    await eventually(
      "the clean conversion listed",
      async () => (await page.locator('tr[data-status="reversed"][data-fraud=""]').count()) === 1,
    );
    await page.getByLabel("Fraud", { exact: true }).selectOption({ label: "Flagged (any reason)" });
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/[?&]fraud=any/);
    // Nothing in this journey is flagged: the list is empty, or lists flagged ones only.
    await eventually(
      "only flagged conversions",
      async () =>
        (await page.getByText("No conversions match.").count()) === 1 ||
        ((await page.locator("tr[data-conversion-id]").count()) > 0 &&
          (await page.locator('tr[data-conversion-id][data-fraud=""]').count()) === 0),
    );
  });

  await step(adv, "the clicks page lists the click with its fraud column and filter", async () => {
    const { page } = adv;
    await nav(page, "Clicks");
    await page.waitForURL(/\/clicks$/);
    const table = page.getByTestId("clicks");
    await eventually(
      "the click listed",
      async () => (await table.locator("tbody tr").count()) >= 1,
    );
    for (const column of ["Verdict", "Unique", "Promoter", "Fraud"]) {
      assert(
        (await table.getByRole("columnheader", { name: column, exact: true }).count()) === 1,
        `a ${column} column`,
      );
    }
    await page.getByLabel("Fraud", { exact: true }).selectOption({ label: "Flagged (any reason)" });
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/[?&]fraud=any/);
    await eventually(
      "only flagged clicks",
      async () =>
        (await page.getByTestId("clicks-empty").count()) === 1 ||
        ((await page.locator("tr[data-click-id]").count()) > 0 &&
          (await page.locator('tr[data-click-id][data-fraud=""]').count()) === 0),
    );
    await page.getByLabel("Fraud", { exact: true }).selectOption({ label: "Clean" });
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(/[?&]fraud=none/);
    await eventually(
      "the clean click, counted",
      async () =>
        (await page.locator('tr[data-click-id][data-fraud=""][data-verdict="ok"]').count()) >= 1 &&
        (await page.locator("tr[data-click-id]:not([data-fraud=''])").count()) === 0,
    );
    // The CSV has the same filters.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByTestId("download-clicks-csv").click(),
    ]);
    const csv = readFileSync(await download.path(), "utf8");
    const [header, ...rows] = csv.trim().split(/\r?\n/);
    assert(header.startsWith("id,ts,offer_id,promoter_id,verdict"), `the CSV header: ${header}`);
    const columns = header.split(",");
    const fraud = columns.indexOf("fraud");
    const test = columns.indexOf("test");
    assert(fraud > 0 && test > 0, `the CSV has the fraud and test columns: ${header}`);
    // Simple rows here (no quoted commas): clean, and live (test mode is off).
    const cells = rows.map((r) => r.split(","));
    assert(
      cells.length >= 1 && cells.every((c) => c[fraud] === "" && c[test] === "false"),
      `clean live rows only: ${csv}`,
    );
    await shot(page, "advertiser-clicks");
  });

  await step(promoter, "the promoter's stats drop after the reversal", async () => {
    const { page } = promoter;
    await eventually("0 conversions", async () => {
      await page.reload();
      await page.getByTestId("total-conversions").waitFor();
      return (
        (await number(page, "total-conversions")) === 0 &&
        (await number(page, "total-clicks")) === 1
      );
    });
    await shot(page, "promoter-stats-after-reversal");
  });

  await step(promoter, "an expired access token is refreshed without a word", async () => {
    const { page } = promoter;
    const refreshes = [];
    page.on("response", (r) => {
      if (r.url().endsWith("/v1/auth/refresh")) refreshes.push(r.status());
    });
    // The access token lives AFFTOK_E2E_ACCESS_TTL_SECS (+5 s leeway): wait it out, then use
    // the app without reloading it.
    await page.waitForTimeout((env.accessTtlSecs + 6) * 1000);
    await nav(page, "My links");
    await page.waitForURL(/\/links$/);
    await eventually("the links listed", () => testid(page, "link-url"));
    assert(refreshes.includes(200), `a silent refresh happened: ${refreshes}`);
    assert(!page.url().includes("/login"), "still signed in");
  });

  await step(
    promoter,
    "a promoter opening an advertiser page is refused, and told so",
    async () => {
      const { page } = promoter;
      await page.goto(app("/postback-keys"));
      await page.getByTestId("forbidden").waitFor();
      const text = await page.getByTestId("forbidden").textContent();
      assert(/access/i.test(text), `the page says the API refused: ${text}`);
    },
  );

  const fraudAudits = await fraudJourney({
    admin,
    promoter,
    nav,
    promoterEmail: `pat-${stamp}@promo.e2e`,
    promoterName: "Pat Promoter",
    advertiserEmail: `ada-${stamp}@shop.e2e`,
  });

  const webhookAudits = await webhooksJourney({
    adv,
    promoter,
    admin,
    nav,
    offerName,
    advertiserEmail: `ada-${stamp}@shop.e2e`,
    promoterEmail: `pat-${stamp}@promo.e2e`,
  });

  const pointsAudits = await pointsJourney({
    admin,
    promoter,
    nav,
    promoterEmail: `pat-${stamp}@promo.e2e`,
    promoterName: "Pat Promoter",
  });

  const teamAudits = await teamsJourney({
    browser,
    promoter,
    signUp,
    nav,
    stamp,
    promoterEmail: `pat-${stamp}@promo.e2e`,
  });

  const leaderboardAudits = await leaderboardsJourney({ browser, admin, nav, stamp });
  const contestAudits = await contestsJourney({
    admin,
    adv,
    promoter,
    nav,
    stamp,
    offerName,
    promoterName: "Pat Promoter",
    promoterEmail: `pat-${stamp}@promo.e2e`,
    advertiserEmail: `ada-${stamp}@shop.e2e`,
  });

  const sandboxAudits = await sandboxJourney({
    adv,
    nav,
    offerName,
    advertiserEmail: `ada-${stamp}@shop.e2e`,
  });

  const assistantAudits = await assistantJourney({
    browser,
    adv,
    nav,
    advertiserEmail: `ada-${stamp}@shop.e2e`,
  });

  await step(promoter, "the Arabic UI runs right to left", async () => {
    const { page } = promoter;
    await page.goto(app("/stats"));
    await page.getByTestId("total-clicks").waitFor();
    await page.getByTestId("language").selectOption("ar");
    await eventually(
      "dir=rtl",
      async () => (await page.evaluate(() => document.documentElement.dir)) === "rtl",
    );
    const lang = await page.evaluate(() => document.documentElement.lang);
    assert(lang === "ar", `lang=${lang}`);
    // The brand sits at the start of the top bar: on the right in Arabic.
    const brand = await page.locator(".brand").boundingBox();
    const width = page.viewportSize().width;
    assert(brand.x > width / 2, `the brand is on the right: x=${brand.x} of ${width}`);
    const title = await page.locator("main h1").first().textContent();
    assert(/[\u0600-\u06FF]/.test(title), `the title is in Arabic: ${title}`);
    await page.getByTestId("total-clicks").waitFor();
    await shot(page, "promoter-stats-ar");
    // The choice is remembered.
    await page.reload();
    await eventually(
      "still Arabic after a reload",
      async () => (await page.evaluate(() => document.documentElement.dir)) === "rtl",
    );
  });

  const demo = await person(browser, "demo", { width: 1280, height: 900 });
  await step(
    demo,
    "screenshots of a stats page with three weeks of traffic, English and Arabic",
    async () => {
      const { page } = demo;
      await logIn(demo, env.demoEmail);
      await page.waitForURL(/\/marketplace/);
      await page.goto(app("/stats?range=30d"));
      await eventually(
        "clicks in the totals",
        async () => (await number(page, "total-clicks")) > 100,
      );
      await page
        .getByRole("img")
        .first()
        .waitFor()
        .catch(() => undefined);
      await page.waitForLoadState("networkidle");
      await shot(page, "stats-en", { fullPage: true });
      await page.getByTestId("language").selectOption("ar");
      await eventually(
        "dir=rtl",
        async () => (await page.evaluate(() => document.documentElement.dir)) === "rtl",
      );
      await page.waitForLoadState("networkidle");
      await shot(page, "stats-ar", { fullPage: true });
    },
  );

  // Every page of every role, in both languages, through axe-core (WCAG 2 A and AA: labels,
  // names, contrast, landmarks, keyboard access to scrolling regions).
  const axeSource = readFileSync(
    new URL("../node_modules/axe-core/axe.min.js", import.meta.url),
    "utf8",
  );
  const audits = [
    [null, ["/login", "/signup", "/forgot-password"]],
    [
      `pat-${stamp}@promo.e2e`,
      ["/marketplace", "/links", "/stats", "/clicks", "/conversions", "/profile", "/api-keys"],
    ],
    [
      `ada-${stamp}@shop.e2e`,
      ["/offers", "/offers/new", "/promoters", "/clicks", "/conversions", "/postback-keys"],
    ],
    [env.adminEmail, ["/admin/review", "/admin/users", "/stats"]],
  ];
  audits.push(
    ...fraudAudits,
    ...webhookAudits,
    ...pointsAudits,
    ...teamAudits,
    ...leaderboardAudits,
    ...contestAudits,
    ...sandboxAudits,
    ...assistantAudits,
  );
  for (const [email, paths] of audits) {
    for (const lang of ["en", "ar"]) {
      // Injecting axe needs a page whose CSP allows it: this context alone bypasses CSP.
      const auditor = await person(browser, `axe-${lang}-${email ?? "visitor"}`, {
        bypassCSP: true,
      });
      await step(auditor, `no accessibility violations (axe, WCAG 2 AA) in ${lang}`, async () => {
        const { context, page } = auditor;
        await context.addInitScript((l) => localStorage.setItem("afftok.language", l), lang);
        if (email) {
          const r = await context.request.post(app("/v1/auth/login"), {
            data: { email, password: env.password, session: "cookie" },
          });
          assert(r.ok(), `login ${email}: ${r.status()}`);
        }
        const found = [];
        // A path, or a path and what to open on it first (details, a form).
        for (const entry of paths) {
          const [path, open] = Array.isArray(entry) ? entry : [entry, null];
          await page.goto(app(path));
          await page.waitForLoadState("networkidle");
          if (open) await open(page);
          await page.addScriptTag({ content: axeSource });
          const violations = await page.evaluate(async () => {
            const r = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa"] });
            return r.violations.map(
              (v) =>
                `${v.id} (${v.impact}): ${v.nodes
                  .map((n) => n.target.join(" "))
                  .slice(0, 3)
                  .join(", ")}`,
            );
          });
          for (const v of violations) found.push(`${path}: ${v}`);
        }
        assert(found.length === 0, `violations:\n         ${found.join("\n         ")}`);
      });
      await auditor.context.close();
    }
  }

  await step(demo, "the app is installable (manifest and service worker)", async () => {
    const { page, context } = demo;
    await page.goto(app("/login"));
    await page.waitForLoadState("networkidle");
    const cdp = await context.newCDPSession(page);
    const manifest = await cdp.send("Page.getAppManifest");
    assert(manifest.errors.length === 0, `manifest: ${JSON.stringify(manifest.errors)}`);
    await eventually("the service worker controls the page", async () => {
      await page.reload();
      return page.evaluate(() => navigator.serviceWorker.controller !== null);
    });
    // Automated contexts are incognito, which Chromium never installs from: every other
    // criterion must pass.
    const { installabilityErrors } = await cdp.send("Page.getInstallabilityErrors");
    const blocking = installabilityErrors.filter((e) => e.errorId !== "in-incognito");
    assert(blocking.length === 0, `installability: ${JSON.stringify(installabilityErrors)}`);
  });
} catch {
  // The step printed what failed.
} finally {
  await browser.close();
}
if (failed() > 0) process.exit(1);
console.log("all journeys passed");
