import { describe, expect, it } from "vitest";
import {
  choiceOf,
  type EventType,
  endpointChanges,
  endpointState,
  eventTypeKey,
  isKnownEventType,
  joinedOffers,
  listFieldErrors,
  POSTBACK_MACROS,
  postbackChanges,
  stateBadge,
  toggleType,
  typesToSend,
  unknownMacros,
} from "./endpoints";

const order: EventType[] = [
  "conversion.created",
  "conversion.updated",
  "offer.updated",
  "promoter.joined",
];

describe("event type choice", () => {
  it("reads an empty list as every type, and a list as only those", () => {
    expect(choiceOf([])).toEqual({ mode: "all", chosen: [] });
    expect(choiceOf(["offer.updated"])).toEqual({ mode: "some", chosen: ["offer.updated"] });
  });
  it("keeps the ticked types in the API's order", () => {
    let chosen = toggleType([], "promoter.joined", true, order);
    chosen = toggleType(chosen, "conversion.created", true, order);
    expect(chosen).toEqual(["conversion.created", "promoter.joined"]);
    expect(toggleType(chosen, "promoter.joined", false, order)).toEqual(["conversion.created"]);
  });
  it("keeps a chosen type the API no longer lists, after the listed ones", () => {
    const chosen = toggleType(["contest.finished"], "offer.updated", true, order);
    expect(chosen).toEqual(["offer.updated", "contest.finished"]);
    expect(toggleType(chosen, "contest.finished", false, order)).toEqual(["offer.updated"]);
  });
  it("ticking a type twice keeps it once", () => {
    const chosen = toggleType(["offer.updated"], "offer.updated", true, order);
    expect(chosen).toEqual(["offer.updated"]);
  });
  it("sends [] for all events, the types for some, and refuses some with none", () => {
    expect(typesToSend({ mode: "all", chosen: ["offer.updated"] })).toEqual([]);
    expect(typesToSend({ mode: "some", chosen: ["offer.updated"] })).toEqual(["offer.updated"]);
    expect(typesToSend({ mode: "some", chosen: [] })).toBe("none_chosen");
  });
  it("has a translation key for every type, without dots", () => {
    for (const [type, key] of Object.entries(eventTypeKey)) {
      expect(isKnownEventType(type)).toBe(true);
      expect(key).not.toContain(".");
    }
    expect(isKnownEventType("payout.sent")).toBe(false);
    expect(isKnownEventType("toString")).toBe(false);
  });
});

describe("endpointChanges", () => {
  const before = {
    url: "https://hooks.example/a",
    description: "shop",
    event_types: ["conversion.created", "offer.updated"] as EventType[],
  };
  it("is null when nothing changed (types in another order, spaces trimmed)", () => {
    expect(
      endpointChanges(before, {
        url: " https://hooks.example/a ",
        description: "shop ",
        types: ["offer.updated", "conversion.created"],
      }),
    ).toBeNull();
  });
  it("sends only the changed fields", () => {
    expect(
      endpointChanges(before, {
        url: "https://hooks.example/a",
        description: "",
        types: ["offer.updated", "conversion.created"],
      }),
    ).toEqual({ description: "" });
    expect(
      endpointChanges(before, { url: "https://hooks.example/b", description: "shop", types: [] }),
    ).toEqual({ url: "https://hooks.example/b", event_types: [] });
  });
});

describe("postbackChanges", () => {
  const before = { url: "https://t.example/pb?c={click_id}", on_reversal: false };
  it("is null when nothing changed", () => {
    expect(postbackChanges(before, { url: `${before.url} `, onReversal: false })).toBeNull();
  });
  it("sends only the changed fields", () => {
    expect(postbackChanges(before, { url: before.url, onReversal: true })).toEqual({
      on_reversal: true,
    });
    expect(postbackChanges(before, { url: "https://t.example/x", onReversal: false })).toEqual({
      url: "https://t.example/x",
    });
  });
});

describe("endpointState", () => {
  it("is enabled while delivering, failing once attempts fail", () => {
    expect(endpointState({ enabled: true, failing_since: null })).toEqual({ state: "enabled" });
    expect(endpointState({ enabled: true, failing_since: "2026-12-01T00:00:00Z" })).toEqual({
      state: "failing",
      since: "2026-12-01T00:00:00Z",
    });
  });
  it("says why it is disabled, whatever it failed before", () => {
    for (const reason of ["owner", "gone", "failing"] as const) {
      expect(
        endpointState({
          enabled: false,
          disabled_reason: reason,
          failing_since: "2026-12-01T00:00:00Z",
        }),
      ).toEqual({ state: "disabled", reason });
    }
    expect(endpointState({ enabled: false, disabled_reason: "mystery" })).toEqual({
      state: "disabled",
      reason: "other",
    });
    expect(endpointState({ enabled: false })).toEqual({ state: "disabled", reason: "other" });
  });
  it("gives each state its own badge", () => {
    const badges = new Set((["enabled", "failing", "disabled"] as const).map((s) => stateBadge(s)));
    expect(badges.size).toBe(3);
  });
});

describe("unknownMacros", () => {
  it("finds none in a template of macros", () => {
    const all = POSTBACK_MACROS.map((m) => `${m}={${m}}`).join("&");
    expect(unknownMacros(`https://t.example/pb?${all}`)).toEqual([]);
  });
  it("lists each unknown name once, as written", () => {
    expect(
      unknownMacros("https://t.example/pb?c={clickid}&a={amount}&b={clickid}&s={sub6}&x={}"),
    ).toEqual(["{clickid}", "{amount}", "{sub6}", "{}"]);
  });
  it("is case-sensitive, as the API", () => {
    expect(unknownMacros("https://t.example/?c={CLICK_ID}")).toEqual(["{CLICK_ID}"]);
  });
});

describe("listFieldErrors", () => {
  it("joins the list's and its items' messages, and nothing else", () => {
    expect(
      listFieldErrors(
        {
          url: "bad",
          "event_types[1]": "advertiser accounts cannot receive points.level_reached",
          event_types: "too many",
          "event_types_x[0]": "other",
        },
        "event_types",
      ),
    ).toBe("advertiser accounts cannot receive points.level_reached; too many");
    expect(listFieldErrors({ url: "bad" }, "event_types")).toBeUndefined();
  });
});

describe("joinedOffers", () => {
  it("lists each offer once, by name", () => {
    expect(
      joinedOffers(
        [
          { offer_id: 3, offer_name: "Shoes" },
          { offer_id: 1, offer_name: "Bags" },
          { offer_id: 3, offer_name: "Shoes" },
        ],
        "en",
      ),
    ).toEqual([
      { id: 1, name: "Bags" },
      { id: 3, name: "Shoes" },
    ]);
  });
  it("orders offers of the same name by id", () => {
    expect(
      joinedOffers(
        [
          { offer_id: 9, offer_name: "Sale" },
          { offer_id: 2, offer_name: "Sale" },
        ],
        "en",
      ).map((o) => o.id),
    ).toEqual([2, 9]);
  });
});
