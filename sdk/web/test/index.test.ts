// The ES module entry against the page's real globals (jsdom), as a bundler user calls it.

import { afterEach, describe, expect, it, vi } from "vitest";
import * as sdk from "../src/index.js";
import { answer, ENDPOINT, ID, KEY, resetRealPage } from "./fake.js";

afterEach(resetRealPage);

describe("@afftok/web", () => {
  it("exports createAfftok and the pure helpers", () => {
    expect(Object.keys(sdk).sort()).toEqual([
      "DEFAULT_PARAMS",
      "clickIdFromSearch",
      "conversionBody",
      "createAfftok",
      "parseClickId",
      "postbackUrl",
    ]);
  });

  it("captures on the landing page and converts on a later one", async () => {
    history.replaceState(null, "", `/landing?utm_source=x&click_id=${ID.toUpperCase()}`);
    sdk.createAfftok({ key: KEY, endpoint: ENDPOINT });
    history.replaceState(null, "", "/thanks");

    const fetch = vi.fn().mockResolvedValue(answer(200, { status: "accepted", event_id: "e" }));
    vi.stubGlobal("fetch", fetch);
    const afftok = sdk.createAfftok({ key: KEY, endpoint: ENDPOINT });
    expect(afftok.clickId()).toBe(ID);
    expect(await afftok.conversion({ txid: "o-1", amount: "12.00", currency: "USD" })).toEqual({
      ok: true,
      eventId: "e",
    });
    const [url, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(url).toBe(`${ENDPOINT}/postback/${KEY}`);
    expect(String(init.body)).toBe(`click_id=${ID}&txid=o-1&amount=12.00&currency=USD`);
  });
});
