import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The session, as the client sees it: a token that a refresh replaces.
const session = vi.hoisted(() => ({ token: "old" as string | null, refreshes: 0, ok: true }));
vi.mock("../auth/session", () => ({
  accessTokenNow: () => session.token,
  refreshSession: async () => {
    session.refreshes += 1;
    if (session.ok) session.token = "new";
    return session.ok;
  },
  sessionState: () => ({ status: "signed-in", user: { role: "promoter" } }),
}));

const { authedFetch } = await import("./client");
const { setTestMode } = await import("./testMode");

describe("authedFetch", () => {
  const fetchMock = vi.fn<typeof fetch>();
  beforeEach(() => {
    session.token = "old";
    session.refreshes = 0;
    session.ok = true;
    fetchMock.mockReset();
    vi.stubGlobal("fetch", fetchMock);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    setTestMode(false);
  });

  const sent = (i: number) => new Headers(fetchMock.mock.calls[i]?.[1]?.headers);

  it("sends the token, the caller's headers and the test mode", async () => {
    setTestMode(true);
    fetchMock.mockResolvedValueOnce(new Response("ok"));
    const r = await authedFetch("/v1/assistant/chat", {
      method: "POST",
      headers: { accept: "text/event-stream" },
      body: "{}",
    });
    expect(r.status).toBe(200);
    expect(sent(0).get("authorization")).toBe("Bearer old");
    expect(sent(0).get("accept")).toBe("text/event-stream");
    expect(sent(0).get("afftok-mode")).toBe("test");
    expect(fetchMock.mock.calls[0]?.[1]).toMatchObject({ method: "POST", body: "{}" });
  });

  it("refreshes once on a 401 and sends the request again with the new token", async () => {
    fetchMock
      .mockResolvedValueOnce(new Response("", { status: 401 }))
      .mockResolvedValueOnce(new Response("ok"));
    const r = await authedFetch("/v1/assistant/chat", { method: "POST", body: "{}" });
    expect(r.status).toBe(200);
    expect(session.refreshes).toBe(1);
    expect(sent(1).get("authorization")).toBe("Bearer new");
    expect(fetchMock.mock.calls[1]?.[1]).toMatchObject({ method: "POST", body: "{}" });
  });

  it("gives the 401 back when the refresh fails, and other answers as they are", async () => {
    session.ok = false;
    fetchMock.mockResolvedValueOnce(new Response("", { status: 401 }));
    expect((await authedFetch("/v1/assistant/chat")).status).toBe(401);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    fetchMock.mockResolvedValueOnce(new Response("", { status: 409 }));
    expect((await authedFetch("/v1/assistant/chat")).status).toBe(409);
    expect(session.refreshes).toBe(1);
  });
});
