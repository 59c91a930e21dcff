import { describe, expect, it, vi } from "vitest";
import { createAfftokIn } from "../src/afftok.js";
import { conversionBody, postbackUrl, readAnswer } from "../src/conversion.js";
import { answer, ENDPOINT, fakePage, ID, KEY } from "./fake.js";

const base = { key: KEY, endpoint: ENDPOINT };
const EVENT_ID = "0190a5f2-0000-7000-8000-0000000000e1";
const accepted = () => answer(200, { status: "accepted", event_id: EVENT_ID });

/** A page that landed with a click id, and its SDK. */
function landed(options: unknown = base) {
  const page = fakePage({ search: `?click_id=${ID}` });
  return { page, sdk: createAfftokIn(page.env, options) };
}

describe("the conversion request", () => {
  it("posts a form to the postback URL, keepalive, CORS, without credentials", async () => {
    const { page, sdk } = landed({ ...base, endpoint: `${ENDPOINT}/` });
    page.env.fetch.mockResolvedValue(accepted());

    const result = await sdk.conversion({
      txid: "order-42",
      amount: 49.9,
      currency: "eur",
      event: "sale",
    });

    expect(result).toEqual({ ok: true, eventId: EVENT_ID });
    expect(page.env.fetch).toHaveBeenCalledTimes(1);
    const [url, init] = page.env.fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(`${ENDPOINT}/postback/${KEY}`);
    expect(init).toMatchObject({
      method: "POST",
      keepalive: true,
      mode: "cors",
      credentials: "omit",
    });
    expect(init.headers).toBeUndefined();
    expect(init.body).toBeInstanceOf(URLSearchParams);
    expect(String(init.body)).toBe(
      `click_id=${ID}&txid=order-42&amount=49.9&currency=eur&event=sale`,
    );
  });

  it("is a simple request: fetch gives the body the form content type", async () => {
    const req = new Request("https://t.example.net/postback/x", {
      method: "POST",
      body: conversionBody(ID),
    });
    expect(req.headers.get("content-type")).toBe("application/x-www-form-urlencoded;charset=UTF-8");
  });

  it("leaves out absent fields and sends a string amount as given", () => {
    expect(String(conversionBody(ID))).toBe(`click_id=${ID}`);
    expect(String(conversionBody(ID, { amount: "10.50", txid: "", event: undefined }))).toBe(
      `click_id=${ID}&amount=10.50`,
    );
    expect(String(conversionBody(ID, { amount: 0 }))).toBe(`click_id=${ID}&amount=0`);
    expect(String(conversionBody(ID, { txid: "a&b=c ü" }))).toBe(
      `click_id=${ID}&txid=a%26b%3Dc+%C3%BC`,
    );
  });

  it("encodes the key in the path", () => {
    expect(postbackUrl(ENDPOINT, "pk_test_a/b?c")).toBe(`${ENDPOINT}/postback/pk_test_a%2Fb%3Fc`);
  });

  it("sends the cookie's id when the URL has none", async () => {
    const page = fakePage({ cookies: { afftok_click_id: ID } });
    page.env.fetch.mockResolvedValue(accepted());
    await createAfftokIn(page.env, base).conversion();
    const [, init] = page.env.fetch.mock.calls[0] as [string, RequestInit];
    expect(String(init.body)).toBe(`click_id=${ID}`);
  });
});

describe("retries", () => {
  it("retries once when fetch rejects, then succeeds", async () => {
    const { page, sdk } = landed();
    page.env.fetch
      .mockRejectedValueOnce(new TypeError("Failed to fetch"))
      .mockResolvedValueOnce(accepted());
    expect(await sdk.conversion({ txid: "t" })).toEqual({ ok: true, eventId: EVENT_ID });
    expect(page.env.fetch).toHaveBeenCalledTimes(2);
    const [first, second] = page.env.fetch.mock.calls as [string, RequestInit][];
    expect(second?.[0]).toBe(first?.[0]);
    expect(String(second?.[1].body)).toBe(String(first?.[1].body));
  });

  it("retries only once", async () => {
    const { page, sdk } = landed();
    page.env.fetch.mockRejectedValue(new TypeError("Failed to fetch"));
    expect(await sdk.conversion()).toEqual({
      ok: false,
      error: "network",
      detail: "Failed to fetch",
    });
    expect(page.env.fetch).toHaveBeenCalledTimes(2);
  });

  it.each([400, 403, 404, 500, 503])("never retries after an answer (%i)", async (status) => {
    const { page, sdk } = landed();
    page.env.fetch.mockResolvedValue(answer(status, { status: "rejected", error: "x" }));
    const result = await sdk.conversion();
    expect(result).toMatchObject({ ok: false, status });
    expect(page.env.fetch).toHaveBeenCalledTimes(1);
  });
});

describe("the error shapes", () => {
  it("carries the edge's code, status and detail", async () => {
    const { page, sdk } = landed();
    page.env.fetch.mockResolvedValueOnce(
      answer(400, {
        status: "rejected",
        error: "invalid_amount",
        detail: "amount must be a decimal",
      }),
    );
    expect(await sdk.conversion({ amount: "1,5" })).toEqual({
      ok: false,
      error: "invalid_amount",
      status: 400,
      detail: "amount must be a decimal",
    });

    page.env.fetch.mockResolvedValueOnce(answer(403, { status: "rejected", error: "forbidden" }));
    expect(await sdk.conversion()).toEqual({ ok: false, error: "forbidden", status: 403 });

    page.env.fetch.mockResolvedValueOnce(
      answer(503, { status: "error", error: "unavailable", detail: "retry later" }),
    );
    expect(await sdk.conversion()).toEqual({
      ok: false,
      error: "unavailable",
      status: 503,
      detail: "retry later",
    });
  });

  it("calls an answer without the edge's JSON a bad response", async () => {
    expect(await readAnswer(answer(502))).toEqual({
      ok: false,
      error: "bad_response",
      status: 502,
    });
    expect(await readAnswer(answer(200))).toEqual({
      ok: false,
      error: "bad_response",
      status: 200,
    });
    expect(await readAnswer(answer(200, "accepted"))).toEqual({
      ok: false,
      error: "bad_response",
      status: 200,
    });
    expect(await readAnswer(answer(500, { error: 7 }))).toEqual({
      ok: false,
      error: "bad_response",
      status: 500,
    });
    expect(await readAnswer(answer(200, { status: "rejected", error: "forbidden" }))).toEqual({
      ok: false,
      error: "forbidden",
      status: 200,
    });
  });

  it("says no_click_id without a click id, and sends nothing", async () => {
    const page = fakePage({ search: "?click_id=bad" });
    expect(await createAfftokIn(page.env, base).conversion({ txid: "t" })).toEqual({
      ok: false,
      error: "no_click_id",
    });
    expect(page.env.fetch).not.toHaveBeenCalled();
  });

  it.each([
    [{ endpoint: ENDPOINT }, "the key option is missing"],
    [{ key: KEY }, "the endpoint option is missing"],
    [{ key: KEY, endpoint: "  /" }, "the endpoint option is missing"],
    [{ key: "pbk_secretsecret", endpoint: ENDPOINT }, "the key must be a publishable key (pk_…)"],
    [{ key: 42, endpoint: ENDPOINT }, "the key option is missing"],
    [undefined, "the key option is missing"],
    [null, "the key option is missing"],
    ["pk_test_x", "the key option is missing"],
  ])("says not_configured for %j, and sends nothing", async (options, detail) => {
    const page = fakePage({ search: `?click_id=${ID}` });
    const sdk = createAfftokIn(page.env, options);
    expect(await sdk.conversion()).toEqual({ ok: false, error: "not_configured", detail });
    expect(page.env.fetch).not.toHaveBeenCalled();
    // The click id is still captured: the landing page may not be the one that converts.
    expect(page.cookieWrites).toHaveLength(1);
  });
});

describe("without fetch", () => {
  it("queues the conversion with sendBeacon", async () => {
    const { page, sdk } = landed();
    const sendBeacon = vi.fn().mockReturnValue(true);
    page.env.fetch = undefined as never;
    page.env.navigator = { sendBeacon };
    expect(await sdk.conversion({ txid: "t", amount: 5 })).toEqual({ ok: true });
    expect(sendBeacon).toHaveBeenCalledTimes(1);
    const [url, body] = sendBeacon.mock.calls[0] as [string, URLSearchParams];
    expect(url).toBe(`${ENDPOINT}/postback/${KEY}`);
    expect(String(body)).toBe(`click_id=${ID}&txid=t&amount=5`);
    // Its `this` is the navigator, as browsers require.
    expect(sendBeacon.mock.contexts[0]).toBe(page.env.navigator);
  });

  it("says network when sendBeacon refuses, or when there is no way to send", async () => {
    const { page, sdk } = landed();
    page.env.fetch = undefined as never;
    page.env.navigator = { sendBeacon: () => false };
    expect(await sdk.conversion()).toMatchObject({ ok: false, error: "network" });
    page.env.navigator = undefined;
    expect(await sdk.conversion()).toMatchObject({ ok: false, error: "network" });
  });
});
