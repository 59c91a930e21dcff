import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { describe, expect, it, vi } from "vitest";
import { ApiError } from "./errors";
import { followTestMode, shouldRetry } from "./queryClient";

describe("shouldRetry", () => {
  const err = (status: number) => new ApiError({ status, code: "x" });
  it("retries network failures, 429 and 5xx twice at most", () => {
    expect(shouldRetry(0, err(0))).toBe(true);
    expect(shouldRetry(1, err(503))).toBe(true);
    expect(shouldRetry(0, err(429))).toBe(true);
    expect(shouldRetry(2, err(503))).toBe(false);
  });
  it("never retries a refusal", () => {
    for (const s of [400, 401, 403, 404, 409, 422]) expect(shouldRetry(0, err(s))).toBe(false);
  });
});

describe("followTestMode", () => {
  /** A switch to flip by hand. */
  function fakeSwitch() {
    const listeners = new Set<() => void>();
    return {
      subscribe: (l: () => void) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
      flip: () => {
        for (const l of listeners) l();
      },
    };
  }

  it("forgets the other mode's answers and fetches again what is shown", async () => {
    const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const sw = fakeSwitch();
    const stop = followTestMode(client, sw.subscribe);
    let mode = "live";
    const fetches: string[] = [];
    client.setQueryData(["offers", "names"], ["cached"]);
    const shown = new QueryObserver(client, {
      queryKey: ["clicks", "list"],
      queryFn: async () => {
        fetches.push(mode);
        return `${mode} clicks`;
      },
    });
    const seen: (string | undefined)[] = [];
    const unsubscribe = shown.subscribe((r) => seen.push(r.data));
    await vi.waitFor(() => expect(client.getQueryData(["clicks", "list"])).toBe("live clicks"));

    mode = "test";
    sw.flip();
    // Not shown: gone. Shown: fetched again, and never the live answer in between.
    expect(client.getQueryData(["offers", "names"])).toBeUndefined();
    await vi.waitFor(() => expect(client.getQueryData(["clicks", "list"])).toBe("test clicks"));
    expect(fetches).toEqual(["live", "test"]);
    const afterFlip = seen.slice(seen.lastIndexOf("live clicks") + 1);
    expect(afterFlip).toContain(undefined);
    expect(afterFlip.at(-1)).toBe("test clicks");

    stop();
    sw.flip();
    expect(client.getQueryData(["clicks", "list"])).toBe("test clicks");
    unsubscribe();
    client.clear();
  });
});
