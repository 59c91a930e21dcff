import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { login, logout } from "../auth/session";
import { auth } from "./client";
import {
  applyMode,
  MODE_HEADER,
  modeFor,
  requestMode,
  roleHasTestMode,
  setTestMode,
  subscribeTestMode,
  TEST_MODE_KEY,
  testModeSwitch,
} from "./testMode";

describe("modeFor", () => {
  it("is test only with the switch on, for the roles that have it", () => {
    expect(modeFor(true, "advertiser")).toBe("test");
    expect(modeFor(true, "promoter")).toBe("test");
    expect(modeFor(false, "advertiser")).toBe("live");
    // A switch left on in this browser by another account does nothing for an admin.
    expect(modeFor(true, "admin")).toBe("live");
    expect(modeFor(true, null)).toBe("live");
    expect(roleHasTestMode("admin")).toBe(false);
  });
});

describe("applyMode", () => {
  it("adds Afftok-Mode: test in test mode only", () => {
    const test = new Headers();
    applyMode(test, "test");
    expect(test.get(MODE_HEADER)).toBe("test");
    const live = new Headers();
    applyMode(live, "live");
    expect(live.has(MODE_HEADER)).toBe(false);
  });
  it("leaves a mode the caller set", () => {
    const h = new Headers({ [MODE_HEADER]: "live" });
    applyMode(h, "test");
    expect(h.get(MODE_HEADER)).toBe("live");
  });
});

describe("the switch", () => {
  afterEach(() => setTestMode(false));
  it("is remembered and heard, once per flip", () => {
    const heard = vi.fn();
    const stop = subscribeTestMode(heard);
    setTestMode(true);
    setTestMode(true);
    expect(testModeSwitch()).toBe(true);
    expect(localStorage.getItem(TEST_MODE_KEY)).toBe("on");
    expect(heard).toHaveBeenCalledTimes(1);
    setTestMode(false);
    expect(localStorage.getItem(TEST_MODE_KEY)).toBeNull();
    expect(heard).toHaveBeenCalledTimes(2);
    stop();
    setTestMode(true);
    expect(heard).toHaveBeenCalledTimes(2);
  });
  it("follows another tab", () => {
    const heard = vi.fn();
    const stop = subscribeTestMode(heard);
    localStorage.setItem(TEST_MODE_KEY, "on");
    window.dispatchEvent(new StorageEvent("storage", { key: TEST_MODE_KEY }));
    expect(testModeSwitch()).toBe(true);
    expect(heard).toHaveBeenCalledTimes(1);
    // Another key changed: nothing to follow.
    window.dispatchEvent(new StorageEvent("storage", { key: "afftok.language" }));
    expect(heard).toHaveBeenCalledTimes(1);
    stop();
  });
});

/** Signs in as `role` against a fake API, so the client's middleware knows the role. */
async function signInAs(role: "advertiser" | "promoter" | "admin") {
  vi.stubGlobal(
    "fetch",
    vi.fn(
      async () =>
        new Response(
          JSON.stringify({
            access_token: "tok",
            expires_in: 900,
            user: { id: 1, role, email: "a@b.example", display_name: "A" },
          }),
          { status: 200, headers: { "content-type": "application/json" } },
        ),
    ),
  );
  await login("a@b.example", "password-password");
}

/** The headers the API client sends a request with. */
async function sent(): Promise<Headers> {
  const request = new Request("http://localhost/v1/links");
  const out = await auth.onRequest?.({ request } as never);
  return (out instanceof Request ? out : request).headers;
}

describe("the API client", () => {
  beforeAll(() => setTestMode(false));
  afterEach(async () => {
    setTestMode(false);
    await logout().catch(() => undefined);
    vi.unstubAllGlobals();
  });
  it("sends Afftok-Mode: test on every request while the switch is on", async () => {
    await signInAs("advertiser");
    expect((await sent()).has(MODE_HEADER)).toBe(false);
    setTestMode(true);
    expect(requestMode()).toBe("test");
    const headers = await sent();
    expect(headers.get(MODE_HEADER)).toBe("test");
    expect(headers.get("authorization")).toBe("Bearer tok");
    setTestMode(false);
    expect((await sent()).has(MODE_HEADER)).toBe(false);
  });
  it("sends nothing for an admin, whatever the switch", async () => {
    await signInAs("admin");
    setTestMode(true);
    expect((await sent()).has(MODE_HEADER)).toBe(false);
  });
});
