import { describe, expect, it } from "vitest";
import arPoints from "../../../i18n/ar/points";
import enPoints from "../../../i18n/en/points";
import {
  adjustmentErrors,
  CAUSES,
  causeKey,
  entryDetails,
  formatDay,
  formatSigned,
  KNOWN_LEVELS,
  ladder,
  levelKey,
  pointsTone,
  progressMessage,
  progressPercent,
} from "./display";

const levels = [
  { name: "Bronze", min_points: 0 },
  { name: "Silver", min_points: 500 },
  { name: "Gold", min_points: 2000 },
];

/** Follows a dotted key into a namespace's texts. */
function text(ns: object, key: string): unknown {
  let at: unknown = ns;
  for (const k of key.split(".")) {
    at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[k] : undefined;
  }
  return at;
}

describe("causes", () => {
  it("names each cause, and an unknown one as other", () => {
    expect(causeKey("conversion_approved")).toBe("causes.conversion_approved");
    expect(causeKey("unique_clicks")).toBe("causes.unique_clicks");
    expect(causeKey("bonus_from_the_future")).toBe("causes.other");
    expect(causeKey("")).toBe("causes.other");
  });
  it("every cause and level has words in both languages", () => {
    for (const ns of [enPoints, arPoints]) {
      for (const c of [...CAUSES, "other"]) expect(text(ns, causeKey(c))).toBeTruthy();
      for (const l of KNOWN_LEVELS) expect(text(ns, levelKey(l) ?? "")).toBeTruthy();
    }
  });
  it("translates only the default level names", () => {
    expect(levelKey("Gold")).toBe("levels.Gold");
    expect(levelKey("gold")).toBeNull();
    expect(levelKey("Legend")).toBeNull();
  });
});

describe("signs", () => {
  it("writes the sign of every non-zero amount", () => {
    expect(formatSigned(499, "en")).toBe("+499");
    expect(formatSigned(-20, "en")).toBe("-20");
    expect(formatSigned(1500, "en")).toBe("+1,500");
    expect(formatSigned(0, "en")).toBe("0");
  });
  it("in the language's digits, the sign kept", () => {
    const twenty = new Intl.NumberFormat("ar").format(20);
    expect(formatSigned(20, "ar")).toContain(twenty);
    expect(formatSigned(20, "ar")).toContain("+");
    expect(formatSigned(-20, "ar")).toContain(twenty);
    expect(formatSigned(-20, "ar")).toMatch(/[-\u2212]/);
  });
  it("tells gains from losses", () => {
    expect(pointsTone(1)).toBe("gain");
    expect(pointsTone(-1)).toBe("loss");
  });
});

describe("progress", () => {
  const name = (n: string) => `<${n}>`;
  it("says how many points are left to the next level", () => {
    const m = progressMessage(
      { next_level: { name: "Gold", min_points: 2000 }, points_to_next: 1500 },
      "en",
      name,
    );
    expect(m).toEqual({ key: "progress.toNext", values: { points: "1,500", level: "<Gold>" } });
  });
  it("a single point has its own text", () => {
    const m = progressMessage(
      { next_level: { name: "Silver", min_points: 500 }, points_to_next: 1 },
      "en",
      name,
    );
    expect(m.key).toBe("progress.toNextOne");
  });
  it("says the top level is reached", () => {
    expect(progressMessage({ next_level: null, points_to_next: null }, "en", name)).toEqual({
      key: "progress.top",
      values: {},
    });
  });
  it("the bar goes from 0 to 100, full at the top", () => {
    const next = { name: "Gold", min_points: 2000 };
    expect(progressPercent({ progress: 0, next_level: next })).toBe(0);
    expect(progressPercent({ progress: 0.999, next_level: next })).toBe(99);
    expect(progressPercent({ progress: 1.2, next_level: next })).toBe(100);
    expect(progressPercent({ progress: -0.1, next_level: next })).toBe(0);
    expect(progressPercent({ progress: Number.NaN, next_level: next })).toBe(0);
    expect(progressPercent({ progress: 0, next_level: null })).toBe(100);
  });
});

describe("ladder", () => {
  it("marks the levels passed, the current one and those ahead", () => {
    expect(ladder(levels, 500).map((r) => r.state)).toEqual(["reached", "current", "ahead"]);
    expect(ladder(levels, 499).map((r) => r.state)).toEqual(["current", "ahead", "ahead"]);
    expect(ladder(levels, 99_999).map((r) => r.state)).toEqual(["reached", "reached", "current"]);
  });
  it("a promoter below every level (points taken back) stands on the first", () => {
    expect(ladder(levels, -40).map((r) => r.state)).toEqual(["current", "ahead", "ahead"]);
  });
});

describe("entries", () => {
  const base = {
    id: 1,
    points: 20,
    cause: "conversion_approved",
    created_at: "2026-05-01T10:00:00Z",
  };
  it("a click entry has its day, an adjustment its reason, a conversion its id", () => {
    expect(
      entryDetails({ ...base, cause: "unique_clicks", day: "2026-05-01", offer_id: 3 }),
    ).toEqual({ day: "2026-05-01", reason: null, conversionId: null, offerId: 3 });
    expect(entryDetails({ ...base, cause: "adjustment", reason: "welcome bonus" }).reason).toBe(
      "welcome bonus",
    );
    expect(
      entryDetails({ ...base, conversion_id: "c0ffee00-0000-4000-8000-000000000000" }),
    ).toEqual({
      day: null,
      reason: null,
      conversionId: "c0ffee00-0000-4000-8000-000000000000",
      offerId: null,
    });
  });
  it("writes a click day as that UTC day, whatever the zone", () => {
    expect(formatDay("2026-01-31", "en")).toBe("Jan 31, 2026");
    expect(formatDay("not a day", "en")).toBe("not a day");
  });
});

describe("adjustment form", () => {
  it("takes whole, non-zero points within a million and a reason", () => {
    expect(adjustmentErrors("499", "bonus")).toEqual({});
    expect(adjustmentErrors("-1000000", "x")).toEqual({});
    expect(adjustmentErrors("+5", "x")).toEqual({});
  });
  it("names what is wrong, by field", () => {
    expect(adjustmentErrors("0", "")).toEqual({
      points: "adjust.errors.pointsZero",
      reason: "adjust.errors.reasonRequired",
    });
    expect(adjustmentErrors("1.5", "ok").points).toBe("adjust.errors.pointsWhole");
    expect(adjustmentErrors("", "ok").points).toBe("adjust.errors.pointsWhole");
    expect(adjustmentErrors("1000001", "ok").points).toBe("adjust.errors.pointsRange");
    expect(adjustmentErrors("5", "   ").reason).toBe("adjust.errors.reasonRequired");
    expect(adjustmentErrors("5", "x".repeat(501)).reason).toBe("adjust.errors.reasonLong");
    expect(adjustmentErrors("5", "x".repeat(500)).reason).toBeUndefined();
  });
});
