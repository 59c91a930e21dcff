// The assistant's pages in the journeys (called by journeys.mjs). tests/web.rs made the
// promoter: ten days of traffic on an offer of its own, its clicks without a sub-ID, and not
// joined to the demo offer (which the demo promoter's traffic gives platform figures). The
// promoter opens the Assistant: the overview (today, 7 and 30 days with their changes, its
// level, its best offer), the tips with the numbers that triggered them, the analysis; it
// joins the first suggested offer, which leaves the list; the insights come in Arabic when
// the UI switches. Then the chat: without a provider it says where to add one; the provider
// form shows the API's field errors, then stores a fake OpenAI-compatible provider this
// journey runs on loopback (the key never shown again, its last 4 are); a question streams
// its answer after a tool round (get_stats: the promoter's own numbers), the text growing
// while the provider holds its last words; Stop ends an answer in progress (in Arabic, the
// model told so); a refused key ends in a clear message; once the provider is deleted the
// chat's 409 says where to add one. An advertiser sees its own insights without suggestions.
// Returns the pages for the accessibility sweep, by person.
import { createServer } from "node:http";
import { assert, env, eventually, fitsThePhone, person, shot, step, testid } from "./lib.mjs";

const KEY = "sk-e2e-assistant-0123456789wxyz";
const WRONG_KEY = "sk-e2e-wrong-key-00000000";

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

/** A fresh access token (they live seconds in the journeys). */
async function tokenOf(email) {
  return (await api("POST", "/v1/auth/login", { body: { email, password: env.password } }))
    .access_token;
}

/**
 * An OpenAI-compatible provider on loopback answering `POST …/chat/completions` with
 * `stream: true` chunks: a question first gets a tool call (get_stats, its name and
 * arguments in pieces); once the tool's result is in the conversation, the answer, its last
 * words held until `release()`; a question about the month gets a slow answer that ends
 * only when the reader goes away. Any other key than KEY is refused with 401.
 */
async function fakeProvider() {
  const seen = [];
  let totals = null;
  let closedEarly = 0;
  let open = null;
  let gate = new Promise((r) => {
    open = r;
  });
  const server = createServer(async (req, res) => {
    if (req.method !== "POST" || !req.url.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    let text = "";
    for await (const piece of req) text += piece;
    const body = JSON.parse(text);
    seen.push({ url: req.url, authorization: req.headers.authorization, body });
    if (req.headers.authorization !== `Bearer ${KEY}`) {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "Incorrect API key provided" } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const chunk = (delta, finish = null) =>
      res.write(
        `data: ${JSON.stringify({
          id: "chatcmpl-e2e",
          object: "chat.completion.chunk",
          model: body.model,
          choices: [{ index: 0, delta, finish_reason: finish }],
        })}\n\n`,
      );
    const last = body.messages[body.messages.length - 1];
    if (last.role === "tool") {
      totals = JSON.parse(last.content).totals;
      chunk({ role: "assistant", content: "" });
      chunk({ content: "Looking at your " });
      chunk({ content: "numbers: " });
      await gate;
      chunk({ content: `${totals.clicks} clicks` });
      chunk({ content: ` and ${totals.conversions} conversions in the last 7 days.` });
      chunk({}, "stop");
      res.end("data: [DONE]\n\n");
    } else if (/month|الشهر/.test(last.content)) {
      // A slow answer that never ends: a word now and then, until the reader goes away (the
      // control plane notices its reader left when it next passes a word on).
      chunk({ role: "assistant", content: "Thinking about last month" });
      const slow = setInterval(() => chunk({ content: "." }), 300);
      await new Promise((r) => res.on("close", r));
      clearInterval(slow);
      closedEarly += 1;
    } else {
      chunk({
        role: "assistant",
        content: null,
        tool_calls: [
          { index: 0, id: "call_e2e", type: "function", function: { name: "get_", arguments: "" } },
        ],
      });
      chunk({ tool_calls: [{ index: 0, function: { name: "stats", arguments: "{}" } }] });
      chunk({}, "tool_calls");
      res.end("data: [DONE]\n\n");
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1`,
    seen,
    totals: () => totals,
    closedEarly: () => closedEarly,
    release: () => open(),
    rearm: () => {
      gate = new Promise((r) => {
        open = r;
      });
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(r);
      }),
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

/** A number as the English UI writes it ("1,500"). */
const number = (s) => Number(String(s).replace(/[^\d.-]/g, ""));

/** Opens one of the assistant's sections from its own navigation. */
async function section(page, name) {
  await page
    .getByRole("navigation", { name: /Assistant sections|أقسام المساعد/ })
    .getByRole("link", { name, exact: true })
    .click();
}

/** Sends a question from the chat's form (Enter sends). */
async function ask(page, question) {
  const box = page.getByLabel(/^(Your question|سؤالك)$/);
  await box.fill(question);
  await box.press("Enter");
}

/**
 * @param {object} p
 * @param {import("playwright-core").Browser} p.browser
 * @param {{ name: string, page: import("playwright-core").Page }} p.adv the advertiser, signed in
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 * @param {string} p.advertiserEmail
 * @returns {Promise<[string, (string | [string, Function])[]][]>} for the axe sweep
 */
export async function assistantJourney({ browser, adv, nav, advertiserEmail }) {
  const email = env.assistantEmail;
  const who = await person(browser, "assistant");
  const { page } = who;
  const provider = await fakeProvider();

  try {
    await step(
      who,
      "the overview: three periods with their changes, the level, the best offer",
      async () => {
        const r = await who.context.request.post(`${env.app}/v1/auth/login`, {
          data: { email, password: env.password, session: "cookie" },
        });
        assert(r.ok(), `login ${email}: ${r.status()}`);
        await page.goto(`${env.app}/marketplace`);
        // The app signs in silently from the cookie: its page is there once its title is.
        await page.locator("main h1").first().waitFor();
        await nav(page, "Assistant");
        await page.waitForURL(/\/assistant$/);
        const expected = await api("GET", "/v1/assistant/overview?lang=en", {
          token: await tokenOf(email),
        });
        const month = expected.periods.find((p) => p.period === "30d");
        assert(month.current.clicks > 100, `ten days of traffic: ${JSON.stringify(month.current)}`);
        const periods = page.getByTestId("overview-period");
        await eventually("three periods", async () => (await periods.count()) === 3);
        const order = await periods.evaluateAll((ps) => ps.map((p) => p.dataset.period));
        assert(order.join() === "today,7d,30d", `today, 7 and 30 days: ${order}`);
        const last30 = page.locator('[data-testid=overview-period][data-period="30d"]');
        assert(
          (await last30.locator("h3").textContent()) === "Last 30 days",
          "the period in words",
        );
        const clicks = number(await last30.getByTestId("overview-clicks").textContent());
        assert(clicks === month.current.clicks, `the API's 30-day clicks: ${clicks}`);
        // Nothing before the ten days: every count is new against the 30 days before.
        const change = await last30.getByTestId("overview-clicks-change").textContent();
        assert(
          change === `▲ +${clicks.toLocaleString("en-US")} (nothing the period before)`,
          `the change in words: ${change}`,
        );
        const today = page.locator('[data-testid=overview-period][data-period="today"]');
        assert(
          (await today.getByTestId("overview-clicks-change").textContent()) ===
            "= Same as the period before",
          "no traffic today nor yesterday",
        );
        const summary = await page.getByTestId("overview-summary").locator("li").allTextContents();
        assert(summary.join("|") === expected.summary.join("|"), `the API's sentences: ${summary}`);
        assert(
          (await testid(page, "overview-level-line")).startsWith(`${expected.level.level}:`),
          "the level",
        );
        await page.getByRole("progressbar").waitFor();
        assert(
          (await testid(page, "overview-best-name")) === "Assistant journey offer",
          "the best offer is the promoter's own",
        );
      },
    );

    await step(
      who,
      "the tips, each with the number that triggered it, and the analysis",
      async () => {
        const token = await tokenOf(email);
        const tips = await api("GET", "/v1/assistant/tips?lang=en", { token });
        const shown = await page
          .getByTestId("tip")
          .evaluateAll((ts) => ts.map((t) => t.dataset.code));
        assert(
          shown.join() === tips.tips.map((t) => t.code).join(),
          `the API's tips in order: ${shown}`,
        );
        const sub = page.locator('[data-testid=tip][data-code="links_without_sub_ids"]');
        assert(
          (await sub.getByTestId("tip-trigger").textContent()) ===
            "Triggered by 100% (threshold 80%)",
          "clicks without a sub-ID trigger the tip, with its number",
        );
        assert(/sub/i.test(await sub.getByTestId("tip-text").textContent()), "its words");
        const analysis = await api("GET", "/v1/assistant/analysis?lang=en", { token });
        const findings = page.getByTestId("finding");
        await eventually(
          "the API's findings",
          async () => (await findings.count()) === analysis.findings.length,
        );
        assert(analysis.findings.length > 0, "something to report");
        const first = findings.first();
        assert(
          (await first.getByTestId("finding-text").textContent()) === analysis.findings[0].text,
          "the finding in words",
        );
        const advice = await first.getByTestId("finding-recommendation").textContent();
        assert(
          advice === `What to do: ${analysis.findings[0].recommendation}`,
          `its recommendation: ${advice}`,
        );
        assert((await first.getByTestId("figures").locator("dd").count()) > 0, "its figures");
        await fitsThePhone(page);
        await shot(page, "assistant-insights", { fullPage: true });
      },
    );

    await step(who, "joins the first suggested offer, which leaves the list", async () => {
      const suggestions = await api("GET", "/v1/assistant/suggestions?lang=en", {
        token: await tokenOf(email),
      });
      const top = suggestions.data[0];
      assert(top?.name === "AffTok demo offer", `the demo offer first: ${top?.name}`);
      const card = page.getByTestId("suggestion").first();
      assert(
        Number(await card.getAttribute("data-offer-id")) === top.offer_id,
        "the best fit first",
      );
      const reasons = await card
        .locator("[data-code]")
        .evaluateAll((rs) => rs.map((r) => r.dataset.code));
      assert(
        reasons.includes("platform_epc") && reasons.includes("category_converts"),
        `why, with the platform's figures: ${reasons}`,
      );
      const epc = card.locator('[data-code="platform_epc"]');
      const platformClicks = number(await epc.locator('[data-figure="clicks"] dd').textContent());
      assert(platformClicks >= 100, `the platform's clicks behind it: ${platformClicks}`);
      assert(
        (await card.getByTestId("suggestion-reason").first().textContent()) === top.reasons[0].text,
        "the API's reason first",
      );
      await card.getByRole("button", { name: "Join AffTok demo offer" }).click();
      const joined = await eventually("joined", () => testid(page, "suggestion-joined"));
      assert(joined.startsWith("You joined AffTok demo offer"), `said: ${joined}`);
      await eventually(
        "the offer left the suggestions",
        async () =>
          (await page
            .locator(`[data-testid=suggestion][data-offer-id="${top.offer_id}"]`)
            .count()) === 0,
      );
      const links = await api("GET", "/v1/links", { token: await tokenOf(email) });
      assert(
        links.data.some((l) => l.offer_id === top.offer_id),
        "the promoter has a link to it",
      );
    });

    await step(who, "the insights in Arabic, right to left", async () => {
      await language(page, "ar");
      await eventually("the API's sentences in Arabic", async () =>
        /[\u0600-\u06FF]/.test(
          (await page.getByTestId("overview-summary").locator("li").first().textContent()) ?? "",
        ),
      );
      await eventually("the tips in Arabic", async () =>
        /[\u0600-\u06FF]/.test(await testid(page, "tip-text")),
      );
      const title = await page.locator("main h1").textContent();
      assert(title === "المساعد", `the title in Arabic: ${title}`);
      await fitsThePhone(page);
      await shot(page, "assistant-insights-ar", { fullPage: true });
      await language(page, "en");
      await eventually("English again", async () =>
        /^[\x20-\x7E]+$/.test(await testid(page, "tip-text")),
      );
    });

    await step(who, "the chat without a provider says where to add one", async () => {
      await section(page, "Chat");
      await page.waitForURL(/\/assistant\/chat$/);
      const guidance = page.getByTestId("no-provider");
      await guidance.waitFor();
      await guidance.getByRole("link", { name: "Add a provider" }).click();
      await page.waitForURL(/\/assistant\/provider$/);
    });

    await step(
      who,
      "the provider form shows the API's field errors next to the fields",
      async () => {
        const form = page.getByTestId("provider-form");
        const key = form.getByLabel("API key", { exact: true });
        assert((await key.getAttribute("type")) === "password", "the key is typed unseen");
        await form.getByRole("button", { name: "Save the provider" }).click();
        const fields = ["Base URL", "Model", "API key"].map((l) =>
          form.getByLabel(l, { exact: true }),
        );
        await eventually("every field marked invalid", async () => {
          for (const f of fields)
            if ((await f.getAttribute("aria-invalid")) !== "true") return false;
          return true;
        });
        // An address the SSRF guard refuses (only loopback is allowed in these tests).
        await fields[0].fill("http://10.0.0.1/v1");
        await fields[1].fill("e2e-model");
        await fields[2].fill(KEY);
        await form.getByRole("button", { name: "Save the provider" }).click();
        await eventually("only the base URL refused", async () => {
          const [url, model] = await Promise.all(
            fields.slice(0, 2).map((f) => f.getAttribute("aria-invalid")),
          );
          return url === "true" && model !== "true";
        });
        const described = (await fields[0].getAttribute("aria-describedby")) ?? "";
        const why = await page.locator(`[id="${described.split(" ").pop()}"]`).textContent();
        assert(why && !/required/.test(why), `the guard's reason at the field: ${why}`);
      },
    );

    await step(
      who,
      "stores the fake provider: the key never shown again, its last 4 are",
      async () => {
        const form = page.getByTestId("provider-form");
        await form.getByLabel("Base URL", { exact: true }).fill(provider.url);
        await form.getByRole("button", { name: "Save the provider" }).click();
        await page.getByTestId("provider-stored").waitFor();
        assert((await testid(page, "provider-notice")).startsWith("Saved."), "saved, and said so");
        assert((await testid(page, "provider-base-url")) === provider.url, "its base URL");
        assert((await testid(page, "provider-model")) === "e2e-model", "its model");
        assert((await testid(page, "provider-key")) === "ending in wxyz", "the key's last 4");
        assert(!(await page.content()).includes(KEY), "the key is nowhere on the page");
        const stored = await api("GET", "/v1/assistant/provider", { token: await tokenOf(email) });
        assert(!JSON.stringify(stored).includes(KEY), "nor in the API's answer");
      },
    );

    await step(
      who,
      "the chat streams the answer after a tool round with the promoter's stats",
      async () => {
        await section(page, "Chat");
        await page.waitForURL(/\/assistant\/chat$/);
        assert(
          (await testid(page, "chat-provider")).startsWith(
            `Answering with e2e-model at ${provider.url}`,
          ),
          "the provider named",
        );
        await ask(page, "How did my week go?");
        const answer = page.getByTestId("turn-assistant").last();
        // The provider holds its last words: the text so far is on the page, still coming.
        await eventually(
          "the first words, streamed",
          async () => (await testid(page, "chat-answer")) === "Looking at your numbers:",
        );
        assert((await answer.getAttribute("data-state")) === "streaming", "still answering");
        assert(
          (await testid(page, "chat-status")) === "The assistant is answering…",
          "the status says so",
        );
        assert(await page.getByRole("button", { name: "Stop" }).isVisible(), "a Stop button");
        const tool = await testid(page, "chat-tool");
        const totals = provider.totals();
        assert(
          totals && totals.clicks > 0,
          `the tool read the promoter's stats: ${JSON.stringify(totals)}`,
        );
        assert(
          tool.startsWith(
            `Read your stats: ${totals.clicks} clicks, ${totals.conversions} conversions from `,
          ),
          `the tool's line: ${tool}`,
        );
        provider.release();
        const expected = `Looking at your numbers: ${totals.clicks} clicks and ${totals.conversions} conversions in the last 7 days.`;
        await eventually(
          "the whole answer",
          async () => (await testid(page, "chat-answer")) === expected,
        );
        await eventually("done", async () => (await answer.getAttribute("data-state")) === "done");
        assert((await testid(page, "chat-status")) === "The answer is complete.", "said complete");
        // What the provider was sent: the key, the question, English, then the tool's result.
        const [first, second] = provider.seen;
        assert(
          first.authorization === `Bearer ${KEY}` && first.body.stream === true,
          "streamed, with the key",
        );
        assert(first.body.model === "e2e-model", "the model");
        assert(first.body.messages.at(-1).content === "How did my week go?", "the question");
        assert(first.body.messages[0].content.includes("Answer in English."), "in English");
        assert(
          first.body.tools.some((t) => t.function.name === "get_stats"),
          "the tools offered",
        );
        assert(second.body.messages.at(-1).role === "tool", "the tool's result sent back");
        await fitsThePhone(page);
        await shot(page, "assistant-chat", { fullPage: true });
      },
    );

    await step(who, "Stop ends an answer in progress (in Arabic, the model told so)", async () => {
      await language(page, "ar");
      const before = provider.seen.length;
      await ask(page, "وماذا عن الشهر الماضي؟");
      await eventually("the first words", async () =>
        (await page.getByTestId("chat-answer").last().textContent())?.startsWith(
          "Thinking about last month",
        ),
      );
      const sent = provider.seen[before];
      assert(sent.body.messages[0].content.includes("Answer in Arabic."), "in Arabic");
      // The earlier answer came whole: it is part of the conversation sent.
      assert(
        sent.body.messages.some(
          (m) => m.role === "assistant" && m.content.endsWith("last 7 days."),
        ),
        "the conversation so far",
      );
      await page.getByRole("button", { name: "أوقف" }).click();
      const answer = page.getByTestId("turn-assistant").last();
      await eventually(
        "stopped",
        async () => (await answer.getAttribute("data-state")) === "stopped",
      );
      assert((await answer.textContent()).includes("أُوقف"), "said stopped");
      await eventually("the provider's reader went away", async () => provider.closedEarly() === 1);
      const focused = await page.evaluate(() => document.activeElement?.tagName);
      assert(focused === "TEXTAREA", `the keyboard back in the question: ${focused}`);
      await fitsThePhone(page);
      await shot(page, "assistant-chat-ar", { fullPage: true });
      await language(page, "en");
    });

    await step(who, "a refused key ends in a clear message", async () => {
      await section(page, "Chat provider");
      await page.getByRole("button", { name: "Replace" }).click();
      const form = page.getByTestId("provider-form");
      assert(
        (await form.getByLabel("Base URL", { exact: true }).inputValue()) === provider.url,
        "the stored base URL kept",
      );
      assert(
        (await form.getByLabel("API key", { exact: true }).inputValue()) === "",
        "the key asked anew",
      );
      await form.getByLabel("API key", { exact: true }).fill(WRONG_KEY);
      await form.getByRole("button", { name: "Save the provider" }).click();
      await eventually(
        "replaced",
        async () => (await testid(page, "provider-key")) === "ending in 0000",
      );
      await section(page, "Chat");
      await ask(page, "Any news?");
      const error = page.getByTestId("chat-error");
      await error.waitFor();
      assert((await error.getAttribute("data-code")) === "bad_key", "the code");
      const text = await error.textContent();
      assert(text.startsWith("The provider refused your API key."), `in words: ${text}`);
      assert(!text.includes(WRONG_KEY), "never the key");
      assert(
        (await error.getByRole("link", { name: "Open the provider settings" }).count()) === 1,
        "where to fix it",
      );
    });

    await step(
      who,
      "deleting the provider stops the chat, and the 409 says where to add one",
      async () => {
        await section(page, "Chat provider");
        await page.getByRole("button", { name: "Delete" }).click();
        const dialog = page.getByRole("dialog");
        assert(
          (await dialog.getByRole("heading").textContent()) === "Delete the provider?",
          "asked first",
        );
        await dialog.getByRole("button", { name: "Delete" }).click();
        await eventually(
          "deleted",
          async () =>
            (await testid(page, "provider-notice")) === "The provider and its key are deleted.",
        );
        await page.getByTestId("provider-form").waitFor();
        await section(page, "Chat");
        await page.getByTestId("no-provider").waitFor();
        const asked = provider.seen.length;
        await ask(page, "Still there?");
        const guidance = page.getByTestId("turn-assistant").last().getByTestId("chat-no-provider");
        await guidance.waitFor();
        assert((await guidance.textContent()).includes("add a provider"), "what to do");
        assert(provider.seen.length === asked, "the provider was not called");
        await guidance.getByRole("link", { name: "Add a provider" }).click();
        await page.waitForURL(/\/assistant\/provider$/);
      },
    );

    await step(
      adv,
      "an advertiser's assistant: its own overview and analysis, no suggestions",
      async () => {
        const { page: p } = adv;
        await nav(p, "Assistant");
        await p.waitForURL(/\/assistant$/);
        await p.getByTestId("overview-period").first().waitFor();
        await p.getByTestId("analysis").getByRole("heading", { name: "Analysis" }).waitFor();
        await p.getByTestId("tips").getByRole("heading", { name: "Tips" }).waitFor();
        assert((await p.getByTestId("suggestions").count()) === 0, "suggestions are for promoters");
      },
    );
  } finally {
    await provider.close();
    await who.context.close();
  }

  // The chat with a turn in it: the 409's guidance (no provider any more).
  const withTurn = async (p) => {
    await ask(p, "Hello?");
    await p.getByTestId("chat-no-provider").waitFor();
  };
  return [
    [
      email,
      ["/assistant", "/assistant/chat", ["/assistant/chat", withTurn], "/assistant/provider"],
    ],
    [advertiserEmail, ["/assistant", "/assistant/chat", "/assistant/provider"]],
  ];
}
