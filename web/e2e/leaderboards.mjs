// The leaderboards in the journeys (called by journeys.mjs after the team journey): through
// the API, 21 promoters (one more than a page) sign up, three of them make two teams, and the
// admin gives each of them points, two of them equal (the first to get there ranks higher).
// One of the tied promoters opens the leaderboards: the table's order, its own row marked,
// its place with the tie and the places around it; "Load more" brings the 21st; this week's
// and this month's boards say their period in words; the teams' board marks its team; the
// page in Arabic right to left; its points page says its rank this month. A newcomer is told
// how points are earned and, on the teams' board, that it has no team; the admin sees the
// boards without a place of its own. Returns the pages for the accessibility sweep, by person.
import { assert, env, eventually, fitsThePhone, person, shot, step, testid } from "./lib.mjs";

/** The UI's page of a board (pages/leaderboards/lib/board.ts). */
const PAGE_SIZE = 20;
const FIRST_NAMES = [
  "Amal",
  "Bilal",
  "Carmen",
  "Dalia",
  "Emre",
  "Farah",
  "Goran",
  "Hana",
  "Idris",
  "Jana",
  "Karim",
  "Lina",
  "Malik",
  "Nadia",
  "Omar",
  "Petra",
  "Qasim",
  "Rania",
  "Samir",
  "Tala",
  "Umar",
];

/** A JSON call to the API; throws with the answer when it is not 2xx. */
async function api(method, path, { token, body } = {}) {
  const r = await fetch(`${env.app}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path} → ${r.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : null;
}

/** The admin's bearer token, renewed before it expires (it lives seconds in the journeys). */
function adminTokens() {
  let token = null;
  let at = 0;
  return async () => {
    if (!token || Date.now() - at > 1_500) {
      const s = await api("POST", "/v1/auth/login", {
        body: { email: env.adminEmail, password: env.password },
      });
      token = s.access_token;
      at = Date.now();
    }
    return token;
  };
}

/** Switches the UI's language and waits for the page's direction to follow. */
async function language(page, lang) {
  await page.getByTestId("language").selectOption(lang);
  const dir = lang === "ar" ? "rtl" : "ltr";
  await eventually(
    `dir=${dir}`,
    async () => (await page.evaluate(() => document.documentElement.dir)) === dir,
  );
}

/** Signs a person in through the API (the refresh cookie in its browser), then opens `path`. */
async function signIn(who, email, path) {
  const r = await who.context.request.post(`${env.app}/v1/auth/login`, {
    data: { email, password: env.password, session: "cookie" },
  });
  assert(r.ok(), `login ${email}: ${r.status()}`);
  await who.page.goto(`${env.app}${path}`);
  // The app signs in silently from the cookie: its page is there once its title is.
  await who.page.locator("main h1").first().waitFor();
}

/** The rows of a table of places: [rank, id, points, name, own] each. */
async function rows(page, testId) {
  return page
    .getByTestId(testId)
    .locator("tbody tr")
    .evaluateAll((trs) =>
      trs.map((tr) => [
        Number(tr.dataset.rank),
        Number(tr.dataset.id),
        Number(tr.dataset.points),
        tr.querySelector("[data-testid=place-name]")?.textContent ?? "",
        tr.getAttribute("aria-current") === "true",
      ]),
    );
}

const en = (n) => n.toLocaleString("en-US");

/**
 * @param {object} p
 * @param {import("playwright-core").Browser} p.browser
 * @param {{ name: string, page: import("playwright-core").Page }} p.admin signed in
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 * @param {string} p.stamp this run's mark, for unique emails and team names
 * @returns {Promise<[string, string[]][]>} [email, paths] for the axe sweep
 */
export async function leaderboardsJourney({ browser, admin, nav, stamp }) {
  const adminToken = adminTokens();
  // Best first: 900,000 points down by 10,000, but the third has as many as the second
  // and got them later, so it ranks after it.
  const racers = FIRST_NAMES.map((first, i) => ({
    name: `${first} Leader`,
    email: `lb-${first.toLowerCase()}-${stamp}@promo.e2e`,
    points: 900_000 - 10_000 * (i === 2 ? 1 : i),
    id: 0,
  }));
  const [amal, bilal, carmen, dalia] = racers;
  const alpha = `Alpha ${stamp}`;
  const beta = `Beta ${stamp}`;
  const newcomer = { name: "Nora Newcomer", email: `lb-nora-${stamp}@promo.e2e` };
  const viewer = await person(browser, "leader");
  const fresh = await person(browser, "newcomer");

  await step(admin, "promoters, two teams and their points made through the API", async () => {
    const register = async (r) => {
      const s = await api("POST", "/v1/auth/register", {
        body: { role: "promoter", display_name: r.name, email: r.email, password: env.password },
      });
      r.id = s.user.id;
      return s.access_token;
    };
    // Teams first: what members earn counts for their team from when they joined.
    let token = await register(amal);
    const team = await api("POST", "/v1/teams", { token, body: { name: alpha } });
    await register(bilal);
    token = await register(carmen);
    await api("POST", "/v1/teams", { token, body: { name: beta } });
    token = await register(dalia);
    await api("POST", "/v1/teams/join", { token, body: { invite_code: team.invite_code } });
    for (const r of racers.slice(4)) await register(r);
    await register(newcomer);
    // In order: each gets there after the one before (the tie goes to Bilal).
    for (const r of racers) {
      await api("POST", `/v1/admin/promoters/${r.id}/points`, {
        token: await adminToken(),
        body: { points: r.points, reason: "leaderboards journey" },
      });
    }
    // The boards reach Redis within a second or so.
    await eventually("the promoters' board in order", async () => {
      const b = await api("GET", `/v1/leaderboards/promoters?limit=${racers.length}`, {
        token: await adminToken(),
      });
      return b.data.map((p) => p.id).join() === racers.map((r) => r.id).join();
    });
  });

  const board = async (name, period) =>
    api("GET", `/v1/leaderboards/${name}?period=${period}&limit=1`, { token: await adminToken() });

  await step(
    viewer,
    "the promoters' board in order, its own place marked, with the tie",
    async () => {
      const { page } = viewer;
      await signIn(viewer, carmen.email, "/points");
      await nav(page, "Leaderboards");
      await page.waitForURL(/\/leaderboards$/);
      await page.getByTestId("board").waitFor();
      const label = await eventually("the period in words", () => testid(page, "period-label"));
      assert(label === "Promoters · All time", `the board and period: ${label}`);
      const seen = await rows(page, "board");
      assert(seen.length === PAGE_SIZE, `a page of ${PAGE_SIZE}: ${seen.length}`);
      const expected = racers.slice(0, PAGE_SIZE);
      assert(
        seen.map((r) => r[0]).join() === expected.map((_, i) => i + 1).join(),
        `ranks 1 to ${PAGE_SIZE}: ${seen.map((r) => r[0])}`,
      );
      assert(
        seen.map((r) => r[3]).join() === expected.map((r) => r.name).join(),
        `best first, Bilal before Carmen on equal points: ${seen.map((r) => r[3])}`,
      );
      assert(seen[1][2] === seen[2][2], "Bilal and Carmen have equal points");
      const own = seen.filter((r) => r[4]);
      assert(own.length === 1 && own[0][1] === carmen.id, `Carmen's row marked: ${own}`);
      const ownRow = page.getByTestId("board").locator('tr[aria-current="true"]');
      assert((await ownRow.textContent()).includes("(you)"), "said in words too");
      assert(
        (await testid(page, "ties-note")) === "Equal points: whoever got there first ranks higher.",
        "the ties note",
      );
      const table = page.getByTestId("board");
      for (const column of ["Rank", "Promoter", "Points"]) {
        assert(
          (await table.getByRole("columnheader", { name: column, exact: true }).count()) === 1,
          `a ${column} column`,
        );
      }
      assert(
        (await table.getByRole("rowheader", { name: "Amal Leader" }).count()) === 1,
        "names head their rows",
      );

      // Its place: the rank of how many, the points, the tie, the places around it.
      const card = page.getByTestId("my-place");
      assert((await card.getByRole("heading").textContent()) === "Your place", "the card's title");
      const { size } = await board("promoters", "all");
      await eventually(
        "the rank of the board's size",
        async () => (await testid(page, "my-rank")) === `3 of ${en(size)}`,
      );
      assert((await testid(page, "my-points")) === "890,000", "its points");
      const next = await testid(page, "my-next");
      assert(next === "1 more point to pass Bilal Leader.", `what it takes: ${next}`);
      const tie = await testid(page, "my-tie");
      assert(tie.includes("Bilal Leader") && /got there first/.test(tie), `the tie: ${tie}`);
      const around = await rows(page, "neighbours");
      assert(
        around.map((r) => `${r[0]}:${r[3]}:${r[4]}`).join() ===
          [
            "1:Amal Leader:false",
            "2:Bilal Leader:false",
            "3:Carmen Leader:true",
            "4:Dalia Leader:false",
            "5:Emre Leader:false",
          ].join(),
        `two places on each side: ${around}`,
      );
      await fitsThePhone(page);
      await shot(page, "leaderboards", { fullPage: true });
    },
  );

  await step(viewer, "Load more brings the places after the first page", async () => {
    const { page } = viewer;
    await page.getByRole("button", { name: "Load more" }).click();
    await eventually("the 21st place", async () => (await rows(page, "board")).length > PAGE_SIZE);
    const seen = await rows(page, "board");
    const last = racers[PAGE_SIZE];
    assert(
      seen[PAGE_SIZE][0] === PAGE_SIZE + 1 && seen[PAGE_SIZE][3] === last.name,
      `then ${last.name} at ${PAGE_SIZE + 1}: ${seen[PAGE_SIZE]}`,
    );
    assert(
      seen.every((r, i) => r[0] === i + 1),
      `the ranks follow on: ${seen.map((r) => r[0])}`,
    );
    const { size } = await board("promoters", "all");
    assert(seen.length === Math.min(size, 2 * PAGE_SIZE), `two pages at most: ${seen.length}`);
  });

  await step(viewer, "this week's and this month's boards, their periods in words", async () => {
    const { page } = viewer;
    await page.getByRole("button", { name: "This week", exact: true }).click();
    await page.waitForURL(/[?&]period=week/);
    const week = (await board("promoters", "week")).period_key;
    const [, wy, wn] = /^week:(\d{4})-W(\d{2})$/.exec(week) ?? [];
    await eventually("this week's label", async () => {
      const label = await testid(page, "period-label");
      return new RegExp(`^Promoters · Week ${Number(wn)}, ${wy} \\(\\w+ \\d+ – \\w+ \\d+\\)$`).test(
        label,
      );
    });
    assert(
      (await page.getByRole("button", { name: "This week" }).getAttribute("aria-pressed")) ===
        "true",
      "the week's button pressed",
    );
    await eventually("Carmen third this week", async () => {
      const seen = await rows(page, "board");
      return seen.length === PAGE_SIZE && seen[2][3] === carmen.name && seen[2][4];
    });
    await eventually("its place this week", async () =>
      (await testid(page, "my-rank")).startsWith("3 of "),
    );

    await page.getByRole("button", { name: "This month", exact: true }).click();
    await page.waitForURL(/[?&]period=month/);
    const month = (await board("promoters", "month")).period_key;
    const [, my, mm] = /^month:(\d{4})-(\d{2})$/.exec(month) ?? [];
    const monthName = new Intl.DateTimeFormat("en-US", {
      month: "long",
      year: "numeric",
      timeZone: "UTC",
    }).format(new Date(Date.UTC(Number(my), Number(mm) - 1, 1)));
    await eventually(
      "this month's label",
      async () => (await testid(page, "period-label")) === `Promoters · ${monthName}`,
    );
    await eventually("Carmen third this month", async () => {
      const seen = await rows(page, "board");
      return seen[2]?.[3] === carmen.name && seen[0][3] === amal.name;
    });
  });

  await step(viewer, "the teams' board marks its team", async () => {
    const { page } = viewer;
    await page.getByRole("button", { name: "Teams", exact: true }).click();
    await page.waitForURL(/[?&]board=teams/);
    assert(/[?&]period=month/.test(page.url()), `the period kept: ${page.url()}`);
    await eventually("Alpha, then Beta", async () => {
      const seen = await rows(page, "board");
      return seen[0]?.[3] === alpha && seen[1]?.[3] === beta;
    });
    const seen = await rows(page, "board");
    assert(
      seen[0][2] === amal.points + dalia.points,
      `Alpha's points are its members': ${seen[0]}`,
    );
    assert(seen[1][2] === carmen.points && seen[1][4], `Beta is Carmen's, marked: ${seen[1]}`);
    const own = page.getByTestId("board").locator('tr[aria-current="true"]');
    assert((await own.textContent()).includes("(your team)"), "said in words");
    assert(
      (await page.getByTestId("my-place").getByRole("heading").textContent()) ===
        "Your team's place",
      "the card is its team's",
    );
    assert((await testid(page, "my-place-name")) === beta, "the card names the team");
    const { size } = await board("teams", "month");
    assert((await testid(page, "my-rank")) === `2 of ${en(size)}`, "second of the teams");
    const next = await testid(page, "my-next");
    assert(
      next ===
        `${en(amal.points + dalia.points - carmen.points + 1)} more points to pass ${alpha}.`,
      `what it takes to pass Alpha: ${next}`,
    );
    await fitsThePhone(page);
    await shot(page, "leaderboards-teams", { fullPage: true });
  });

  await step(viewer, "the leaderboards in Arabic, right to left", async () => {
    const { page } = viewer;
    await page.goto(`${env.app}/leaderboards`);
    await page.getByTestId("board").waitFor();
    await language(page, "ar");
    await eventually(
      "the title in Arabic",
      async () => (await page.locator("main h1").first().textContent()) === "لوحات الصدارة",
    );
    await eventually(
      "the period in Arabic",
      async () => (await testid(page, "period-label")) === "المسوّقون · كل الأوقات",
    );
    // The rank starts each row: on the right in Arabic.
    const row = await page.getByTestId("board").locator('tr[aria-current="true"]').boundingBox();
    const rank = await page
      .getByTestId("board")
      .locator('tr[aria-current="true"] td')
      .first()
      .boundingBox();
    assert(
      rank.x + rank.width > row.x + row.width - 2,
      `the rank on the right: ${JSON.stringify({ rank, row })}`,
    );
    assert((await testid(page, "my-rank")).includes("من"), "the rank in Arabic words");
    await fitsThePhone(page);
    await shot(page, "leaderboards-ar", { fullPage: true });
    await language(page, "en");
  });

  await step(viewer, "the points page says its rank this month", async () => {
    const { page } = viewer;
    await nav(page, "Points");
    await page.waitForURL(/\/points$/);
    const { size } = await board("promoters", "month");
    await eventually(
      "the rank line",
      async () =>
        (await testid(page, "points-rank-text")) === `Your rank this month: 3 of ${en(size)}.`,
    );
    await page
      .getByTestId("points-rank")
      .getByRole("link", { name: "See the leaderboards" })
      .click();
    await page.waitForURL(/\/leaderboards\?period=month$/);
    await page.getByTestId("board").waitFor();
  });

  await step(fresh, "a newcomer is told how points come, and that it has no team", async () => {
    const { page } = fresh;
    await signIn(fresh, newcomer.email, "/leaderboards");
    await page.getByTestId("my-place-no-points").waitFor();
    const link = page.getByTestId("my-place-no-points").getByRole("link");
    assert((await link.textContent()) === "How points work", "a link to the points page");
    assert((await link.getAttribute("href")) === "/points", "to /points");
    assert(
      (await page.getByTestId("board").locator('tr[aria-current="true"]').count()) === 0,
      "no row of its own",
    );
    await page.getByRole("button", { name: "Teams", exact: true }).click();
    await page.getByTestId("my-place-no-team").waitFor();
    await page.getByTestId("my-place-no-team").getByRole("link", { name: "Go to My team" }).click();
    await page.waitForURL(/\/team$/);
    await page.getByRole("button", { name: "Create team" }).waitFor();
  });
  await viewer.context.close();
  await fresh.context.close();

  await step(admin, "an admin sees the boards, with no place of its own", async () => {
    const { page } = admin;
    await nav(page, "Leaderboards");
    await page.waitForURL(/\/leaderboards$/);
    await page.getByTestId("board").waitFor();
    await page.getByTestId("my-place-not-promoter").waitFor();
    assert((await page.getByTestId("my-place").count()) === 0, "no place card");
    const seen = await rows(page, "board");
    assert(
      seen[0][3] === amal.name && !seen.some((r) => r[4]),
      `the board, none marked: ${seen[0]}`,
    );
  });

  return [
    [carmen.email, ["/leaderboards", "/leaderboards?board=teams&period=week", "/points"]],
    [newcomer.email, ["/leaderboards", "/leaderboards?board=teams"]],
    [env.adminEmail, ["/leaderboards"]],
  ];
}
