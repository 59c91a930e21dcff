// The minified script-tag build itself, run by jsdom from a <script> element, as a page runs it.

import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { answer, ENDPOINT, ID, KEY, resetRealPage } from "./fake.js";

type Page = Window & { afftok?: unknown; fetch: unknown };
// The window the document's scripts run in: vitest puts jsdom's globals on Node's global object
// for the tests, and keeps the JSDOM instance at `globalThis.jsdom`.
const page = (globalThis as unknown as { jsdom: { window: Page } }).jsdom.window;

function load(attributes: Record<string, string>): void {
  const el = document.createElement("script");
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  el.textContent = inject("bundle");
  document.head.append(el);
}

afterEach(() => {
  resetRealPage();
  delete page.afftok;
  for (const el of document.querySelectorAll("script")) el.remove();
});

describe("dist/afftok.min.js", () => {
  it("is one minified IIFE with its banner", () => {
    const code = inject("bundle");
    expect(code.startsWith("/*! @afftok/web 0.1.0 | Apache-2.0 */\n")).toBe(true);
    expect(code).not.toMatch(/\bimport\b|\bexport\b/);
  });

  it("configures itself from its script tag and runs the queued conversions", async () => {
    history.replaceState(null, "", `/landing?aff=${ID.toUpperCase()}`);
    const fetch = vi.fn().mockResolvedValue(answer(200, { status: "accepted", event_id: "e" }));
    page.fetch = fetch;
    const done = vi.fn();
    page.afftok = [["conversion", { txid: "t1", amount: 9.5 }, done]];

    load({
      "data-key": KEY,
      "data-endpoint": ENDPOINT,
      "data-params": "aff",
      "data-cookie": "aff_id",
      "data-cookie-days": "7",
    });

    await vi.waitFor(() => expect(done).toHaveBeenCalledWith({ ok: true, eventId: "e" }));
    expect(fetch).toHaveBeenCalledWith(
      `${ENDPOINT}/postback/${KEY}`,
      expect.objectContaining({ method: "POST" }),
    );
    const [, init] = fetch.mock.calls[0] as [string, RequestInit];
    expect(String(init.body)).toBe(`click_id=${ID}&txid=t1&amount=9.5`);
    expect(document.cookie).toBe(`aff_id=${ID}`);
    const sdk = page.afftok as { clickId(): string | null };
    history.replaceState(null, "", "/thanks");
    expect(sdk.clickId()).toBe(ID);
    // biome-ignore lint/suspicious/noDocumentCookie: the test's own cookie.
    document.cookie = "aff_id=; Max-Age=0; Path=/";
  });

  it("does not throw without its attributes", async () => {
    history.replaceState(null, "", `/landing?click_id=${ID}`);
    const errors: unknown[] = [];
    const onError = (e: ErrorEvent) => errors.push(e.error);
    window.addEventListener("error", onError);
    load({});
    window.removeEventListener("error", onError);
    expect(errors).toEqual([]);
    const sdk = page.afftok as { conversion(): Promise<unknown> };
    expect(await sdk.conversion()).toMatchObject({ ok: false, error: "not_configured" });
    expect(document.cookie).toBe(`afftok_click_id=${ID}`);
  });
});
