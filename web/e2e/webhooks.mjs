// The webhooks and postbacks pages in the journeys (called by journeys.mjs): a small receiver
// on loopback (the control plane under test lets http and 127.0.0.0/8 through its guard);
// the advertiser has a URL the guard refuses marked at the field, creates an endpoint and
// sees its secret once, sends a test that reaches the receiver signed with that secret and
// shows delivered in the log with its attempt, redelivers it, filters the log, edits the
// endpoint's events, disables and enables it, rotates the secret (both secrets sign), and
// deletes a second endpoint; the promoter creates a postback for the offer it joined (the
// macros as help, an unknown one pointed out), tests it (the receiver gets the URL filled
// in) and sees it in its log, and is told when it asks for a second one for the same offer;
// the admin reads both. Returns the pages for the accessibility sweep, by person.
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import { assert, env, eventually, fitsThePhone, shot, step, testid } from "./lib.mjs";

/** A receiver that answers 204 and keeps every request (method, path, headers, body). */
async function startReceiver() {
  const seen = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address();
  return { base: `http://127.0.0.1:${port}`, seen, close: () => server.close() };
}

/** The Standard Webhooks v1 signature of a delivery with a `whsec_` secret. */
function signature(secret, req) {
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signed = `${req.headers["webhook-id"]}.${req.headers["webhook-timestamp"]}.${req.body}`;
  return `v1,${createHmac("sha256", key).update(signed).digest("base64")}`;
}

function signatures(req) {
  return (req.headers["webhook-signature"] ?? "").split(" ").filter(Boolean);
}

/**
 * @param {object} p
 * @param {{ name: string, page: import("playwright-core").Page }} p.adv signed in
 * @param {{ name: string, page: import("playwright-core").Page }} p.promoter signed in, joined `offerName`
 * @param {{ name: string, page: import("playwright-core").Page }} p.admin signed in
 * @param {(page: import("playwright-core").Page, name: string) => Promise<void>} p.nav
 * @param {string} p.offerName the offer the promoter joined
 * @param {string} p.advertiserEmail
 * @param {string} p.promoterEmail
 * @returns {Promise<[string, (string | [string, (page: import("playwright-core").Page) => Promise<void>])[]][]>}
 *   [email, paths] for the axe sweep (a path may come with what to open before the check)
 */
export async function webhooksJourney({
  adv,
  promoter,
  admin,
  nav,
  offerName,
  advertiserEmail,
  promoterEmail,
}) {
  const receiver = await startReceiver();
  const hookUrl = `${receiver.base}/hooks/shop`;
  let secret;
  let endpointId;
  let testId;
  let postbackId;
  const card = () => adv.page.getByTestId("endpoint").filter({ hasText: hookUrl });
  const deliveries = (id) => receiver.seen.filter((r) => r.headers["webhook-id"] === id);

  try {
    await step(adv, "a URL the guard refuses is marked at the field", async () => {
      const { page } = adv;
      await nav(page, "Webhooks");
      await page.waitForURL(/\/webhooks$/);
      await page.getByLabel("Endpoint URL", { exact: true }).fill("http://10.1.2.3/hooks");
      await page.getByRole("button", { name: "Create endpoint" }).click();
      const url = page.getByLabel("Endpoint URL", { exact: true });
      await eventually(
        "the URL marked invalid",
        async () => (await url.getAttribute("aria-invalid")) === "true",
      );
      assert((await page.getByTestId("new-secret").count()) === 0, "no secret for a refusal");
    });

    await step(
      adv,
      "creates an endpoint and sees its secret once, with a copy button",
      async () => {
        const { page } = adv;
        await page.getByLabel("Endpoint URL", { exact: true }).fill(hookUrl);
        await page.getByLabel("Description", { exact: true }).fill("Shop server");
        // "Only the events I choose" with none ticked is not sent (the API reads [] as all).
        await page.getByRole("radio", { name: "Only the events I choose" }).check();
        await page.getByRole("button", { name: "Create endpoint" }).click();
        await page.getByText("Choose at least one event, or send all events.").waitFor();
        await page.getByRole("radio", { name: /^All events/ }).check();
        await page.getByRole("button", { name: "Create endpoint" }).click();
        secret = await eventually("the secret", () => testid(page, "webhook-secret"));
        assert(/^whsec_[A-Za-z0-9+/=]{40,}$/.test(secret), `a whsec_ secret: ${secret}`);
        await eventually(
          "focus on the secret",
          async () =>
            (await page.evaluate(() => document.activeElement?.dataset.testid)) === "new-secret",
        );
        await page.getByRole("button", { name: "Copy the secret" }).click();
        const copied = await page.evaluate(() => navigator.clipboard.readText());
        assert(copied === secret, "the clipboard holds the secret");
        await card().waitFor();
        endpointId = Number(await card().getAttribute("data-endpoint-id"));
        assert(endpointId > 0, `the endpoint is listed: ${endpointId}`);
        const events = await card().getByTestId("endpoint-events").textContent();
        assert(events === "All events", `all events: ${events}`);
        await fitsThePhone(page);
        await shot(page, "advertiser-webhook-secret", { fullPage: true });
        await page.getByRole("button", { name: "I have saved it" }).click();
        await page.reload();
        await card().waitFor();
        assert((await page.getByText(secret).count()) === 0, "the secret is not shown again");
      },
    );

    await step(adv, "sends a test that arrives signed with that secret", async () => {
      await card().getByRole("button", { name: "Send test event to Shop server" }).click();
      const notice = card().getByTestId("endpoint-notice");
      await notice.waitFor();
      testId = /msg_[0-9a-f]{32}/.exec((await notice.textContent()) ?? "")?.[0];
      assert(testId, `the notice names the message: ${await notice.textContent()}`);
      const got = await eventually("the test at the receiver", () => deliveries(testId)[0]);
      assert(got.method === "POST" && got.url === "/hooks/shop", `${got.method} ${got.url}`);
      assert(JSON.parse(got.body).type === "test.ping", `a test.ping: ${got.body}`);
      assert(
        signatures(got).includes(signature(secret, got)),
        `signed with the secret shown: ${got.headers["webhook-signature"]}`,
      );
    });

    await step(adv, "the log shows the test delivered, with its attempt and payload", async () => {
      const { page } = adv;
      await card().getByRole("link", { name: "Open the delivery log" }).click();
      await page.waitForURL(new RegExp(`/webhooks/${endpointId}$`));
      const message = page.getByTestId("message").filter({ hasText: testId });
      await eventually(
        "the message delivered",
        async () => (await message.getAttribute("data-status")) === "delivered",
      );
      assert((await message.getAttribute("data-event")) === "test.ping", "a test.ping");
      await message.getByRole("button", { name: "Details" }).click();
      const attempt = message.getByTestId("attempts").locator("tbody tr").first();
      const answer = await attempt.getByTestId("attempt-status").textContent();
      assert(answer === "HTTP 204", `the attempt's answer: ${answer}`);
      assert((await attempt.getAttribute("data-outcome")) === "ok", "the attempt succeeded");
      const payload = await message.getByTestId("payload").textContent();
      assert(payload.includes('"type": "test.ping"'), `the payload, indented: ${payload}`);
      await fitsThePhone(page);
      await shot(page, "advertiser-webhook-log", { fullPage: true });
    });

    await step(adv, "redelivers the message, and filters the log by status", async () => {
      const { page } = adv;
      const message = page.getByTestId("message").filter({ hasText: testId });
      await message.getByRole("button", { name: `Redeliver ${testId}` }).click();
      await eventually("a second delivery of it", () => deliveries(testId).length === 2);
      await eventually("two attempts in the log", async () => {
        await page.getByRole("button", { name: "Refresh" }).click();
        return (await message.getByTestId("attempts").locator("tbody tr").count()) === 2;
      });
      await page.getByLabel("Status", { exact: true }).selectOption("failed");
      await page.waitForURL(/[?&]status=failed/);
      await page.getByTestId("log-empty").waitFor();
      await page.getByLabel("Status", { exact: true }).selectOption("delivered");
      await page.getByTestId("message").filter({ hasText: testId }).waitFor();
      // Nothing failed: redelivering the failed ones queues none.
      await page.getByText("Redeliver failed messages").click();
      await page.getByRole("button", { name: "Redeliver failed", exact: true }).click();
      const queued = await eventually("the count", () => testid(page, "redeliver-queued"));
      assert(queued === "Failed messages queued again: 0.", queued);
    });

    await step(adv, "edits the endpoint's events, disables and enables it", async () => {
      const { page } = adv;
      await page.getByRole("link", { name: "All webhooks" }).click();
      await page.waitForURL(/\/webhooks$/);
      await card().getByRole("button", { name: "Edit Shop server" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("radio", { name: "Only the events I choose" }).check();
      await dialog.getByRole("checkbox", { name: /conversion\.created/ }).check();
      await dialog.getByRole("checkbox", { name: /conversion\.updated/ }).check();
      assert(
        (await dialog.getByRole("checkbox", { name: /points\.level_reached/ }).count()) === 0,
        "an advertiser is not offered the promoters' events",
      );
      await dialog.getByRole("button", { name: "Save changes" }).click();
      await eventually(
        "the events listed",
        async () =>
          (await card().getByTestId("endpoint-events").textContent()) ===
          "conversion.createdconversion.updated",
      );
      await card().getByText("Changes saved.").waitFor();
      await card().getByRole("button", { name: "Disable Shop server" }).click();
      await eventually(
        "disabled",
        async () => (await card().getByTestId("endpoint-state").textContent()) === "Disabled",
      );
      await card().getByTestId("disabled-reason").waitFor();
      assert(
        (await card()
          .getByRole("button", { name: /Send test/ })
          .count()) === 0,
        "no test for a disabled endpoint",
      );
      await card().getByRole("button", { name: "Enable Shop server" }).click();
      await eventually(
        "enabled",
        async () => (await card().getByTestId("endpoint-state").textContent()) === "Enabled",
      );
    });

    await step(adv, "rotates the secret: the new one shown once, both sign a while", async () => {
      const { page } = adv;
      await card().getByRole("button", { name: "Rotate secret of Shop server" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click();
      const rotated = await eventually("the new secret", () => testid(page, "webhook-secret"));
      assert(rotated.startsWith("whsec_") && rotated !== secret, "a new secret");
      // The dialog closing gives focus back to its opener: the secret must take it after.
      await eventually(
        "focus on the new secret",
        async () =>
          (await page.evaluate(() => document.activeElement?.dataset.testid)) === "new-secret",
      );
      const until = await testid(page, "previous-until");
      assert(/keeps signing every delivery too until/.test(until), until);
      await page.getByRole("button", { name: "I have saved it" }).click();
      await card().getByRole("button", { name: "Send test event to Shop server" }).click();
      const notice = card().getByTestId("endpoint-notice");
      await notice.waitFor();
      const id = /msg_[0-9a-f]{32}/.exec((await notice.textContent()) ?? "")?.[0];
      const got = await eventually("the test at the receiver", () => deliveries(id)[0]);
      const sigs = signatures(got);
      assert(
        sigs.includes(signature(rotated, got)) && sigs.includes(signature(secret, got)),
        `signed with both secrets: ${got.headers["webhook-signature"]}`,
      );
    });

    await step(adv, "deletes an endpoint after confirming", async () => {
      const { page } = adv;
      const spare = `${receiver.base}/hooks/spare`;
      await page.getByLabel("Endpoint URL", { exact: true }).fill(spare);
      await page.getByRole("button", { name: "Create endpoint" }).click();
      await page.getByTestId("webhook-secret").waitFor();
      await page.getByRole("button", { name: "I have saved it" }).click();
      const spareCard = page.getByTestId("endpoint").filter({ hasText: spare });
      await spareCard.getByRole("button", { name: `Delete ${spare}` }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      assert((await spareCard.count()) === 1, "cancel keeps it");
      await spareCard.getByRole("button", { name: `Delete ${spare}` }).click();
      await dialog.getByRole("button", { name: "Delete endpoint" }).click();
      await eventually("the endpoint gone", async () => (await spareCard.count()) === 0);
      await page.getByText(`Endpoint deleted: ${spare}`).waitFor();
      assert((await card().count()) === 1, "the other endpoint stays");
    });

    await step(
      adv,
      "an advertiser opening the postbacks page is told the API refused",
      async () => {
        const { page } = adv;
        await page.goto(`${env.app}/postbacks`);
        await page.getByTestId("forbidden").waitFor();
        assert(
          (await page.getByRole("button", { name: "Create postback" }).count()) === 0,
          "no form",
        );
      },
    );

    await step(promoter, "creates a postback for the offer it joined, and tests it", async () => {
      const { page } = promoter;
      await nav(page, "Postbacks");
      await page.waitForURL(/\/postbacks$/);
      await page.getByTestId("macros").waitFor();
      const url = page.getByLabel("Postback URL", { exact: true });
      await url.fill(
        `${receiver.base}/pb?cid={click_id}&s={sub1}&pay={payout}&st={status}&x={amt}`,
      );
      const unknown = await testid(page, "unknown-macros");
      assert(unknown.endsWith("{amt}"), `the unknown macro pointed out: ${unknown}`);
      await url.fill(`${receiver.base}/pb?cid={click_id}&s={sub1}&pay={payout}&st={status}`);
      assert((await page.getByTestId("unknown-macros").count()) === 0, "no unknown macro");
      const offer = page.getByLabel("Offer", { exact: true });
      const option = offer.locator("option").filter({ hasText: offerName });
      await offer.selectOption(await option.getAttribute("value"));
      await page
        .getByRole("checkbox", { name: /Also call it when a conversion is reversed/ })
        .check();
      await page.getByRole("button", { name: "Create postback" }).click();
      await page.getByTestId("postbacks-notice").waitFor();
      const item = page.getByTestId("postback").filter({ hasText: offerName });
      await item.waitFor();
      postbackId = Number(await item.getAttribute("data-postback-id"));
      await item.getByRole("button", { name: /^Send test postback for/ }).click();
      const notice = item.getByTestId("postback-notice");
      await notice.waitFor();
      const id = /msg_[0-9a-f]{32}/.exec((await notice.textContent()) ?? "")?.[0];
      assert(id, `the notice names the message: ${await notice.textContent()}`);
      const got = await eventually("the postback at the receiver", () =>
        receiver.seen.find((r) => r.url.startsWith("/pb?")),
      );
      const q = new URL(got.url, receiver.base).searchParams;
      assert(got.method === "GET", `a GET: ${got.method}`);
      assert(/^[0-9a-f-]{36}$/.test(q.get("cid") ?? ""), `a click id: ${got.url}`);
      assert(q.get("s") === "test" && q.get("st") === "test", `test values: ${got.url}`);
      assert(q.get("pay") === "0.00", `a zero payout: ${got.url}`);
      await fitsThePhone(page);
      await shot(page, "promoter-postbacks", { fullPage: true });
      await notice.getByRole("link", { name: "Open the delivery log" }).click();
      await page.waitForURL(new RegExp(`/postbacks/${postbackId}$`));
      const message = page.getByTestId("message").filter({ hasText: id });
      await eventually(
        "the postback delivered",
        async () => (await message.getAttribute("data-status")) === "delivered",
      );
      await message.getByRole("button", { name: "Details" }).click();
      const called = await message.getByTestId("payload").textContent();
      assert(called.startsWith(`${receiver.base}/pb?cid=`), `the URL called: ${called}`);
      await shot(page, "promoter-postback-log", { fullPage: true });
    });

    await step(promoter, "a second postback for the same offer is refused, in words", async () => {
      const { page } = promoter;
      await page.getByRole("link", { name: "All postbacks" }).click();
      await page.waitForURL(/\/postbacks$/);
      await page
        .getByLabel("Postback URL", { exact: true })
        .fill(`${receiver.base}/pb2?cid={click_id}`);
      const offer = page.getByLabel("Offer", { exact: true });
      const option = offer.locator("option").filter({ hasText: offerName });
      await offer.selectOption(await option.getAttribute("value"));
      await page.getByRole("button", { name: "Create postback" }).click();
      const error = await eventually("the refusal", () => testid(page, "error"));
      assert(/postback for this offer already/.test(error), error);
    });

    await step(promoter, "the postbacks page in Arabic, right to left", async () => {
      const { page } = promoter;
      await page.getByTestId("language").selectOption("ar");
      await eventually(
        "dir=rtl",
        async () => (await page.evaluate(() => document.documentElement.dir)) === "rtl",
      );
      const title = await page.locator("main h1").first().textContent();
      assert(/[\u0600-\u06FF]/.test(title ?? ""), `the title is in Arabic: ${title}`);
      await fitsThePhone(page);
      await shot(page, "promoter-postbacks-ar", { fullPage: true });
      await page.getByTestId("language").selectOption("en");
      await eventually(
        "dir=ltr",
        async () => (await page.evaluate(() => document.documentElement.dir)) === "ltr",
      );
    });

    await step(
      admin,
      "the admin reads every endpoint and postback, with their owners",
      async () => {
        const { page } = admin;
        await nav(page, "Webhooks");
        await page.waitForURL(/\/webhooks$/);
        const theirs = page.getByTestId("endpoint").filter({ hasText: hookUrl });
        await theirs.waitFor();
        assert(/Advertiser #\d+/.test((await theirs.textContent()) ?? ""), "the owner is named");
        await page.goto(`${env.app}/postbacks`);
        await page.getByTestId("postback").filter({ hasText: `Offer #` }).first().waitFor();
        assert(
          (await page.getByRole("button", { name: "Create postback" }).count()) === 0,
          "no form for an admin",
        );
      },
    );
  } finally {
    receiver.close();
  }

  /** Opens the first message's details and the "redeliver failed" form, for the sweep. */
  const openLog = async (page) => {
    await page.getByTestId("message").first().getByRole("button", { name: /.+/ }).first().click();
    await page.locator("details.wh-redeliver summary").click();
  };
  return [
    [advertiserEmail, ["/webhooks", [`/webhooks/${endpointId}`, openLog]]],
    [promoterEmail, ["/webhooks", "/postbacks", [`/postbacks/${postbackId}`, openLog]]],
    [env.adminEmail, ["/webhooks", "/postbacks"]],
  ];
}
