// The team page in the journeys (called by journeys.mjs): the journey's promoter creates a
// team and copies its invite link; a second promoter first types a wrong code (told so at the
// field), then opens the link (the join form prefilled) and joins; the owner sees the new
// member, is told why it cannot leave, removes the member; the member joins again by the link
// and the owner hands the team over, then leaves. Returns the team pages for the
// accessibility sweep, by person.
import { assert, env, eventually, fitsThePhone, person, shot, step, testid } from "./lib.mjs";

/**
 * @param {object} p
 * @param {import("playwright-core").Browser} p.browser
 * @param {{ name: string, page: import("playwright-core").Page }} p.promoter signed in
 * @param {(who: object, role: string, name: string, email: string) => Promise<void>} p.signUp
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 * @param {string} p.stamp this run's mark, for unique names
 * @param {string} p.promoterEmail
 * @returns {Promise<[string, (string | [string, (page: import("playwright-core").Page) => Promise<void>])[]][]>}
 *   [email, paths] for the axe sweep
 */
export async function teamsJourney({ browser, promoter, signUp, nav, stamp, promoterEmail }) {
  const teamName = `Crew ${stamp}`;
  const mateName = "Tess Teammate";
  const mateEmail = `tess-${stamp}@promo.e2e`;
  const mate = await person(browser, "teammate");
  let link;
  const rows = (page) => page.getByTestId("members").locator("tbody tr");

  await step(promoter, "creates a team and copies its invite link", async () => {
    const { page } = promoter;
    await nav(page, "My team");
    await page.waitForURL(/\/team$/);
    await page.getByLabel("Team name", { exact: true }).fill(teamName);
    await page.getByRole("button", { name: "Create team" }).click();
    await eventually("the team's name", async () => (await testid(page, "team-name")) === teamName);
    await eventually("the status says it was created", async () =>
      (await testid(page, "team-status")).includes(teamName),
    );
    assert((await rows(page).count()) === 1, "the owner is the only member");
    link = await testid(page, "invite-link");
    assert(
      link.startsWith(`${env.app}/team/join?code=`),
      `the invite link opens the join page: ${link}`,
    );
    const code = (await testid(page, "invite-code")).replace(/-/g, "");
    assert(link.endsWith(`code=${code}`), `the link carries the code shown: ${code} / ${link}`);
    await page.getByRole("button", { name: "Copy the invite link" }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert(copied === link, `the invite link is copied: ${copied}`);
    await fitsThePhone(page);
    await shot(page, "promoter-team-owner", { fullPage: true });
  });

  await step(mate, "a wrong code is refused at the field, in words", async () => {
    await signUp(mate, "promoter", mateName, mateEmail);
    const { page } = mate;
    await page.waitForURL(/\/marketplace/);
    await nav(page, "My team");
    await page.waitForURL(/\/team$/);
    const field = page.getByLabel("Invite code", { exact: true });
    await field.fill("nope-nope-2");
    await page.getByRole("button", { name: "Join team" }).click();
    await eventually(
      "the code marked invalid",
      async () => (await field.getAttribute("aria-invalid")) === "true",
    );
    const described = (await field.getAttribute("aria-describedby")) ?? "";
    const text = await page.locator(`[id="${described.split(" ").pop()}"]`).textContent();
    assert(/not the invite code/.test(text ?? ""), `the field says why: ${text}`);
  });

  await step(mate, "opens the invite link, the code filled in, and joins", async () => {
    const { page } = mate;
    await page.goto(link);
    const field = page.getByLabel("Invite code", { exact: true });
    await eventually("the code prefilled", async () => link.endsWith(await field.inputValue()));
    await page.getByRole("button", { name: "Join team" }).click();
    await eventually("in the team", async () => (await testid(page, "team-name")) === teamName);
    await page.waitForURL(/\/team$/);
    assert((await rows(page).count()) === 2, "two members");
    const owner = await rows(page).first().textContent();
    assert(/Pat Promoter/.test(owner) && /Owner/.test(owner), `the owner marked first: ${owner}`);
    assert(
      (await page.getByRole("button", { name: "Disband the team" }).count()) === 0,
      "a member has no owner's actions",
    );
  });

  await step(promoter, "sees the new member; told why the owner cannot leave", async () => {
    const { page } = promoter;
    await page.reload();
    await eventually("two members", async () => (await rows(page).count()) === 2);
    assert((await testid(page, "team-member-count")) === "2", "the count says two");
    const row = rows(page).filter({ hasText: mateName });
    assert((await row.count()) === 1, "the new member is listed");
    await page.getByRole("button", { name: "Leave team" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("button", { name: "Leave team" }).click();
    const refusal = await eventually("the refusal", async () => {
      const t = await dialog.getByTestId("team-error").textContent();
      return t || false;
    });
    assert(/hand it over/.test(refusal), `the refusal in words: ${refusal}`);
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });

  await step(promoter, "removes the member, after confirming", async () => {
    const { page } = promoter;
    await page.getByRole("button", { name: `Remove ${mateName}`, exact: true }).click();
    const dialog = page.getByRole("dialog");
    assert((await dialog.textContent()).includes(mateName), "the dialog names the member");
    await dialog.getByRole("button", { name: "Remove", exact: true }).click();
    await eventually("one member left", async () => (await rows(page).count()) === 1);
    await eventually("the status says who was removed", async () =>
      (await testid(page, "team-status")).includes(mateName),
    );
  });

  await step(mate, "is out of the team, joins again by the link", async () => {
    const { page } = mate;
    await page.goto(`${env.app}/team`);
    await page.getByRole("button", { name: "Join team" }).waitFor();
    await page.goto(link);
    await page.getByRole("button", { name: "Join team" }).click();
    await eventually("in the team", async () => (await testid(page, "team-name")) === teamName);
  });

  await step(promoter, "hands the team over and leaves it", async () => {
    const { page } = promoter;
    await page.reload();
    await eventually("two members", async () => (await rows(page).count()) === 2);
    await page.getByRole("button", { name: "Hand over the team" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("New owner").selectOption({ label: mateName });
    await dialog.getByRole("button", { name: "Hand over", exact: true }).click();
    await eventually("the new owner in the status", async () =>
      (await testid(page, "team-status")).includes(mateName),
    );
    const owner = await rows(page).first().textContent();
    assert(owner.includes(mateName), `the new owner listed first: ${owner}`);
    assert(
      (await page.getByRole("button", { name: "Disband the team" }).count()) === 0,
      "the former owner has no owner's actions",
    );
    await page.getByRole("button", { name: "Leave team" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Leave team" }).click();
    await page.getByRole("button", { name: "Create team" }).waitFor();
    await eventually(
      "told it left",
      async () => (await testid(page, "team-status")) === "You left the team.",
    );
  });

  await step(mate, "owns the team now, alone in it", async () => {
    const { page } = mate;
    await page.reload();
    await eventually("one member", async () => (await rows(page).count()) === 1);
    await page.getByRole("button", { name: "Disband the team" }).waitFor();
    await shot(page, "promoter-team-new-owner", { fullPage: true });
  });
  await mate.context.close();

  return [
    [promoterEmail, ["/team", link.slice(env.app.length)]],
    [
      mateEmail,
      [
        "/team",
        [
          "/team",
          async (page) => {
            await page.getByTestId("leave-team").click();
            await page.getByRole("dialog").waitFor();
          },
        ],
      ],
    ],
  ];
}
