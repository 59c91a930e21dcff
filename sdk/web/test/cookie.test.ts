import { afterEach, describe, expect, it } from "vitest";
import { createAfftokIn } from "../src/afftok.js";
import { cookieValues, serializeCookie } from "../src/cookie.js";
import { ENDPOINT, fakePage, ID, KEY, OTHER_ID, resetRealPage } from "./fake.js";

const base = { key: KEY, endpoint: ENDPOINT };

describe("serializeCookie", () => {
  it("writes Max-Age, Path, Domain, SameSite and Secure", () => {
    expect(
      serializeCookie({
        name: "a",
        value: "b",
        maxAge: 60,
        sameSite: "Strict",
        secure: true,
        domain: "example.com",
      }),
    ).toBe("a=b; Max-Age=60; Path=/; Domain=example.com; SameSite=Strict; Secure");
    expect(
      serializeCookie({ name: "a", value: "b", maxAge: 60, sameSite: "Lax", secure: false }),
    ).toBe("a=b; Max-Age=60; Path=/; SameSite=Lax");
  });

  it("always adds Secure to SameSite=None", () => {
    expect(
      serializeCookie({ name: "a", value: "b", maxAge: 1, sameSite: "None", secure: false }),
    ).toBe("a=b; Max-Age=1; Path=/; SameSite=None; Secure");
  });
});

describe("cookieValues", () => {
  it("finds every value of one name and nothing of prefixed names", () => {
    expect(
      cookieValues(
        `x=1; afftok_click_id=${ID}; afftok_click_id=2;my_afftok_click_id=3`,
        "afftok_click_id",
      ),
    ).toEqual([ID, "2"]);
    expect(cookieValues("", "a")).toEqual([]);
    expect(cookieValues("a", "a")).toEqual([]);
  });
});

describe("the click id cookie", () => {
  it("is written on landing with the defaults: 90 days, Lax, Secure on https", () => {
    const page = fakePage({ search: `?click_id=${ID.toUpperCase()}` });
    createAfftokIn(page.env, base);
    expect(page.cookieWrites).toEqual([
      `afftok_click_id=${ID}; Max-Age=${90 * 86400}; Path=/; SameSite=Lax; Secure`,
    ]);
  });

  it("has no Secure on an http page", () => {
    const page = fakePage({ search: `?click_id=${ID}`, protocol: "http:" });
    createAfftokIn(page.env, base);
    expect(page.cookieWrites).toEqual([
      `afftok_click_id=${ID}; Max-Age=7776000; Path=/; SameSite=Lax`,
    ]);
  });

  it("follows every option", () => {
    const page = fakePage({ search: `?ref=${ID}`, protocol: "http:" });
    createAfftokIn(page.env, {
      ...base,
      params: ["ref"],
      cookieName: "aff",
      cookieDays: 30,
      cookieDomain: "shop.example",
      sameSite: "strict",
    });
    expect(page.cookieWrites).toEqual([
      `aff=${ID}; Max-Age=${30 * 86400}; Path=/; Domain=shop.example; SameSite=Strict`,
    ]);
  });

  it("rounds fractional days to whole seconds", () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    createAfftokIn(page.env, { ...base, cookieDays: 0.5 });
    expect(page.cookieWrites[0]).toContain("; Max-Age=43200;");
  });

  it("forces Secure with SameSite=None, even on http", () => {
    const page = fakePage({ search: `?click_id=${ID}`, protocol: "http:" });
    createAfftokIn(page.env, { ...base, sameSite: "None" });
    expect(page.cookieWrites).toEqual([
      `afftok_click_id=${ID}; Max-Age=7776000; Path=/; SameSite=None; Secure`,
    ]);
  });

  it("replaces bad options by their defaults", () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    createAfftokIn(page.env, {
      ...base,
      params: [],
      cookieName: "a;b",
      cookieDays: -1,
      cookieDomain: "evil.example; Path=/x",
      sameSite: "sometimes" as "Lax",
      debug: true,
    });
    expect(page.cookieWrites).toEqual([
      `afftok_click_id=${ID}; Max-Age=7776000; Path=/; SameSite=Lax; Secure`,
    ]);
    expect(page.env.console.warn).toHaveBeenCalledWith(
      "[afftok]",
      "options ignored (bad values):",
      "params, cookieName, cookieDays, cookieDomain, sameSite",
    );
  });

  it("is not written without a valid id in the URL", () => {
    for (const search of ["", "?click_id=nope", `?other=${ID}`]) {
      const page = fakePage({ search });
      createAfftokIn(page.env, base);
      expect(page.cookieWrites).toEqual([]);
    }
  });

  it("is replaced by a later landing with a new id, and kept when the new one is invalid", () => {
    const cookies = { afftok_click_id: ID };
    const newer = fakePage({ search: `?click_id=${OTHER_ID}`, cookies });
    expect(createAfftokIn(newer.env, base).clickId()).toBe(OTHER_ID);
    expect(newer.env.document?.cookie).toBe(`afftok_click_id=${OTHER_ID}`);

    const invalid = fakePage({ search: "?click_id=garbage", cookies });
    expect(createAfftokIn(invalid.env, base).clickId()).toBe(ID);
    expect(invalid.cookieWrites).toEqual([]);
  });

  it("loses to a valid id in the URL, read at each call", () => {
    const page = fakePage({ cookies: { afftok_click_id: ID } });
    const sdk = createAfftokIn(page.env, base);
    page.env.location = { search: `?click_id=${OTHER_ID}` };
    expect(sdk.clickId()).toBe(OTHER_ID);
    page.env.location = { search: "?click_id=bad" };
    expect(sdk.clickId()).toBe(ID);
  });

  it("is read by clickId() when the URL has no id, and ignored when not a UUID", () => {
    expect(
      createAfftokIn(
        fakePage({ cookies: { afftok_click_id: ID.toUpperCase() } }).env,
        base,
      ).clickId(),
    ).toBe(ID);
    expect(
      createAfftokIn(fakePage({ cookies: { afftok_click_id: "x" } }).env, base).clickId(),
    ).toBeNull();
    expect(
      createAfftokIn(fakePage({ cookies: { aff: ID } }).env, {
        ...base,
        cookieName: "aff",
      }).clickId(),
    ).toBe(ID);
    expect(createAfftokIn(fakePage().env, base).clickId()).toBeNull();
  });
});

describe("the click id cookie in a real document (jsdom, https)", () => {
  afterEach(resetRealPage);

  it("keeps the id from the landing for a later page", () => {
    history.replaceState(null, "", `/landing?afftok_click_id=${ID}`);
    createAfftokIn(globalThis, base);
    expect(document.cookie).toBe(`afftok_click_id=${ID}`);

    history.replaceState(null, "", "/checkout/thanks");
    expect(createAfftokIn(globalThis, base).clickId()).toBe(ID);
  });

  it("keeps a SameSite=None cookie, which needs Secure", () => {
    history.replaceState(null, "", `/landing?click_id=${ID}`);
    createAfftokIn(globalThis, { ...base, sameSite: "None" });
    history.replaceState(null, "", "/");
    expect(createAfftokIn(globalThis, base).clickId()).toBe(ID);
  });
});
