// Nothing the SDK does may throw into the host page, and it is silent unless debug is on.

import { describe, expect, it } from "vitest";
import { createAfftokIn } from "../src/afftok.js";
import type { Env } from "../src/env.js";
import { answer, ENDPOINT, fakePage, ID, KEY } from "./fake.js";

const base = { key: KEY, endpoint: ENDPOINT };

function throwing(): never {
  throw new Error("boom");
}

describe("never throwing", () => {
  it("survives a fetch that throws synchronously (retried once, then network)", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    page.env.fetch.mockImplementation(throwing);
    const sdk = createAfftokIn(page.env, base);
    expect(await sdk.conversion()).toEqual({ ok: false, error: "network", detail: "boom" });
    expect(page.env.fetch).toHaveBeenCalledTimes(2);
  });

  it("survives a cookie setter and getter that throw (sandboxed iframes do)", async () => {
    const env: Env = {
      location: { search: `?click_id=${ID}`, protocol: "https:" },
      document: {
        get cookie(): string {
          return throwing();
        },
        set cookie(_: string) {
          throwing();
        },
      },
      fetch: () => Promise.resolve(answer(200, { status: "accepted", event_id: "e" })),
    };
    const sdk = createAfftokIn(env, base);
    // The URL still gives the id, so the conversion still goes.
    expect(sdk.clickId()).toBe(ID);
    expect(await sdk.conversion()).toEqual({ ok: true, eventId: "e" });

    env.location = { search: "" };
    expect(sdk.clickId()).toBeNull();
    expect(await sdk.conversion()).toEqual({ ok: false, error: "no_click_id" });
  });

  it("survives a location whose getters throw", () => {
    const env: Env = {
      get location(): Env["location"] {
        return throwing();
      },
    };
    expect(createAfftokIn(env, base).clickId()).toBeNull();
  });

  it("survives an empty environment (server-side rendering)", async () => {
    const sdk = createAfftokIn({}, base);
    expect(sdk.clickId()).toBeNull();
    expect(await sdk.conversion()).toEqual({ ok: false, error: "no_click_id" });
  });

  it("survives options whose getters throw, and treats them as missing", async () => {
    const options = {
      get key(): string {
        return throwing();
      },
    };
    const page = fakePage({ search: `?click_id=${ID}` });
    const sdk = createAfftokIn(page.env, options);
    expect(await sdk.conversion()).toMatchObject({ ok: false, error: "not_configured" });
  });

  it("survives a conversion input whose getters throw", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    const input = {
      get txid(): string {
        return throwing();
      },
    };
    const result = await createAfftokIn(page.env, base).conversion(input);
    expect(result).toMatchObject({ ok: false, error: "internal" });
    expect(page.env.fetch).not.toHaveBeenCalled();
  });

  it("survives a fetch answer whose json() throws synchronously", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    page.env.fetch.mockResolvedValue({ status: 200, json: throwing });
    expect(await createAfftokIn(page.env, base).conversion()).toEqual({
      ok: false,
      error: "bad_response",
      status: 200,
    });
  });
});

describe("logging", () => {
  it("logs nothing without debug, whatever fails", async () => {
    const page = fakePage({ search: "?click_id=bad" });
    const sdk = createAfftokIn(page.env, { key: "", cookieDays: "x" });
    await sdk.conversion();
    page.env.location = { search: `?click_id=${ID}` };
    page.env.fetch.mockRejectedValue(new TypeError("offline"));
    await createAfftokIn(page.env, base).conversion();
    expect(page.env.console.warn).not.toHaveBeenCalled();
  });

  it("warns with debug on", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    page.env.fetch.mockResolvedValue(answer(403, { status: "rejected", error: "forbidden" }));
    await createAfftokIn(page.env, { ...base, debug: true }).conversion();
    expect(page.env.console.warn).toHaveBeenCalledWith("[afftok]", "conversion not recorded:", {
      ok: false,
      error: "forbidden",
      status: 403,
    });
  });

  it("survives a console that throws", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    page.env.console.warn.mockImplementation(throwing);
    const sdk = createAfftokIn(page.env, { debug: true });
    expect(await sdk.conversion()).toMatchObject({ ok: false, error: "not_configured" });
  });
});
