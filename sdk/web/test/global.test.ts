// The script-tag build: options from data- attributes, window.afftok and the pre-load queue.

import { afterEach, describe, expect, it, vi } from "vitest";
import { configFromScript, install } from "../src/global.js";
import { answer, ENDPOINT, fakePage, ID, KEY, resetRealPage } from "./fake.js";

function script(attributes: Record<string, string>): HTMLScriptElement {
  const el = document.createElement("script");
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  return el;
}

const tag = { "data-key": KEY, "data-endpoint": ENDPOINT };
const accepted = (id: string) => answer(200, { status: "accepted", event_id: id });

describe("configFromScript", () => {
  it("reads every data- attribute", () => {
    expect(
      configFromScript(
        script({
          ...tag,
          "data-params": "ref, aff_click",
          "data-cookie": "aff",
          "data-cookie-days": "30",
          "data-cookie-domain": "shop.example",
          "data-same-site": "None",
          "data-debug": "",
        }),
      ),
    ).toEqual({
      key: KEY,
      endpoint: ENDPOINT,
      params: ["ref", " aff_click"],
      cookieName: "aff",
      cookieDays: 30,
      cookieDomain: "shop.example",
      sameSite: "None",
      debug: true,
    });
  });

  it("leaves the rest to the defaults", () => {
    expect(configFromScript(script(tag))).toEqual({
      key: KEY,
      endpoint: ENDPOINT,
      params: undefined,
      cookieName: undefined,
      cookieDays: undefined,
      cookieDomain: undefined,
      sameSite: undefined,
      debug: false,
    });
    expect(configFromScript(script({ "data-debug": "false" })).debug).toBe(false);
    expect(configFromScript(script({ "data-debug": "0" })).debug).toBe(false);
    expect(configFromScript(null)).toMatchObject({ key: "", endpoint: "" });
  });

  it("gives options that the SDK applies", () => {
    const page = fakePage({ search: `?ref=${ID}` });
    install(
      page.env,
      script({
        ...tag,
        "data-params": "x, ref",
        "data-cookie-days": "2",
        "data-same-site": "strict",
      }),
    );
    expect(page.cookieWrites).toEqual([
      `afftok_click_id=${ID}; Max-Age=172800; Path=/; SameSite=Strict; Secure`,
    ]);
  });
});

describe("install", () => {
  it("stores the click id on load and exposes clickId and conversion", async () => {
    const page = fakePage({ search: `?afftok_click_id=${ID}` });
    const env = page.env as typeof page.env & { afftok?: unknown };
    const global = install(env, script(tag));
    expect(env.afftok).toBe(global);
    expect(page.cookieWrites).toHaveLength(1);
    expect(global.clickId()).toBe(ID);
    page.env.fetch.mockResolvedValue(accepted("e1"));
    expect(await global.conversion({ txid: "t" })).toEqual({ ok: true, eventId: "e1" });
  });

  it("runs the conversions queued before it loaded, in order, with their callbacks", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    const callback = vi.fn();
    const env = Object.assign(page.env, {
      afftok: [
        ["conversion", { txid: "a" }],
        ["unknown", {}],
        "garbage",
        ["conversion", { txid: "b", amount: 3 }, callback],
      ],
    });
    page.env.fetch.mockResolvedValueOnce(accepted("e1")).mockResolvedValueOnce(accepted("e2"));
    install(env, script(tag));
    await vi.waitFor(() => expect(callback).toHaveBeenCalledWith({ ok: true, eventId: "e2" }));
    const bodies = page.env.fetch.mock.calls.map((call) => String((call[1] as RequestInit).body));
    expect(bodies).toEqual([`click_id=${ID}&txid=a`, `click_id=${ID}&txid=b&amount=3`]);
  });

  it("runs calls pushed after it loaded, as the snippet does", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    const env = page.env as typeof page.env & { afftok?: unknown };
    install(env, script(tag));
    page.env.fetch.mockResolvedValue(accepted("e3"));
    const callback = vi.fn();
    const queue = (env.afftok ?? []) as { push(...calls: unknown[]): number };
    queue.push(["conversion", { event: "signup" }, callback]);
    await vi.waitFor(() => expect(callback).toHaveBeenCalledWith({ ok: true, eventId: "e3" }));
  });

  it("survives a throwing callback and reports without a key as not_configured", async () => {
    const page = fakePage({ search: `?click_id=${ID}` });
    const callback = vi.fn(() => {
      throw new Error("page bug");
    });
    const env = Object.assign(page.env, { afftok: [["conversion", {}, callback]] });
    expect(() => install(env, script({ "data-endpoint": ENDPOINT }))).not.toThrow();
    await vi.waitFor(() =>
      expect(callback).toHaveBeenCalledWith({
        ok: false,
        error: "not_configured",
        detail: "the key option is missing",
      }),
    );
    expect(page.env.fetch).not.toHaveBeenCalled();
  });
});

describe("the IIFE entry", () => {
  afterEach(() => {
    resetRealPage();
    delete (window as { afftok?: unknown }).afftok;
  });

  it("installs window.afftok from document.currentScript when imported", async () => {
    history.replaceState(null, "", `/landing?click_id=${ID}`);
    const el = script(tag);
    vi.spyOn(document, "currentScript", "get").mockReturnValue(el);
    (window as { afftok?: unknown }).afftok = [["conversion", { txid: "q" }]];
    const fetch = vi.fn().mockResolvedValue(accepted("e4"));
    vi.stubGlobal("fetch", fetch);

    await import("../src/iife.js");

    const global = (window as { afftok?: { clickId(): string | null } }).afftok;
    expect(global?.clickId()).toBe(ID);
    expect(document.cookie).toBe(`afftok_click_id=${ID}`);
    expect(fetch).toHaveBeenCalledWith(
      `${ENDPOINT}/postback/${KEY}`,
      expect.objectContaining({ keepalive: true }),
    );
  });
});
