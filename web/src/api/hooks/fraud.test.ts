import { describe, expect, it } from "vitest";
import { patchQueue, type QueueItem, type QueuePage } from "./fraud";

function item(id: number): QueueItem {
  const clicks = {
    total: 1,
    counted: 1,
    filtered: 0,
    filtered_share: 0,
    flagged: 0,
    flagged_share: 0,
  };
  return {
    promoter: { id, email: `p${id}@x.test`, display_name: `P${id}` },
    suspended_at: null,
    suspended_reason: null,
    risk: { level: "low", findings: [], notes: [] },
    figures: { clicks, conversions: 0, under_10s_share: 0, over_24h_share: 0 },
  };
}

describe("patchQueue", () => {
  it("puts a change's state on that promoter's rows only", () => {
    const page: QueuePage = { from: "a", to: "b", data: [item(1), item(2)] };
    const data = { pages: [page, { ...page, data: [item(3)] }], pageParams: [null, "c"] };
    const out = patchQueue(data, {
      promoter_id: 2,
      suspended: true,
      suspended_at: "2026-11-24T10:00:00Z",
      suspended_reason: "bots",
      change: {
        id: 7,
        action: "suspend",
        reason: "bots",
        actor_id: 1,
        at: "2026-11-24T10:00:00Z",
      },
    });
    expect(out.pages[0]?.data[1]).toMatchObject({
      suspended_at: "2026-11-24T10:00:00Z",
      suspended_reason: "bots",
    });
    expect(out.pages[0]?.data[0]).toEqual(item(1));
    expect(out.pages[1]?.data[0]).toEqual(item(3));
    expect(out.pageParams).toEqual([null, "c"]);
    // The cached answer is not changed in place.
    expect(page.data[1]).toEqual(item(2));
  });
  it("clears the state on a reinstatement", () => {
    const suspended = { ...item(1), suspended_at: "x", suspended_reason: "y" };
    const data = { pages: [{ from: "a", to: "b", data: [suspended] }], pageParams: [null] };
    const out = patchQueue(data, {
      promoter_id: 1,
      suspended: false,
      change: { id: 8, action: "reinstate", reason: "ok", at: "z" },
    });
    expect(out.pages[0]?.data[0]).toMatchObject({ suspended_at: null, suspended_reason: null });
  });
});
