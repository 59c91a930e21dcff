import { describe, expect, it } from "vitest";
import arTexts from "../../../i18n/ar/leaderboards";
import enTexts from "../../../i18n/en/leaderboards";
import {
  boardParam,
  boardSearch,
  isoWeekMonday,
  ownId,
  parsePeriodKey,
  periodParam,
  periodWords,
  tiedWith,
  toPass,
  weeksIn,
} from "./board";

/** Follows a dotted key into a namespace's texts. */
function text(ns: object, key: string): unknown {
  let at: unknown = ns;
  for (const k of key.split(".")) {
    at = typeof at === "object" && at !== null ? (at as Record<string, unknown>)[k] : undefined;
  }
  return at;
}

/** A key and its values put together as i18next would (no escaping). */
function say(ns: object, w: { key: string; values?: Record<string, string> }): string {
  const s = text(ns, w.key);
  expect(typeof s, w.key).toBe("string");
  return (s as string).replace(/\{\{(\w+)\}\}/g, (_, v: string) => w.values?.[v] ?? `?${v}`);
}

const place = (rank: number, id: number, points: number, name = `P${id}`) => ({
  rank,
  id,
  name,
  points,
  reached_at: "2026-12-01T00:00:00Z",
});

describe("the address", () => {
  it("reads the board and period, defaulting to promoters of all time", () => {
    expect(boardParam("teams")).toBe("teams");
    expect(boardParam(null)).toBe("promoters");
    expect(boardParam("players")).toBe("promoters");
    expect(periodParam("week")).toBe("week");
    expect(periodParam("month")).toBe("month");
    expect(periodParam("year")).toBe("all");
    expect(periodParam(null)).toBe("all");
  });
  it("writes them back, defaults left out", () => {
    expect(boardSearch("promoters", "all")).toEqual({});
    expect(boardSearch("teams", "week")).toEqual({ board: "teams", period: "week" });
    expect(boardSearch("promoters", "month")).toEqual({ period: "month" });
  });
});

describe("period keys", () => {
  it("reads the API's keys", () => {
    expect(parsePeriodKey("all")).toEqual({ kind: "all" });
    expect(parsePeriodKey("month:2026-12")).toEqual({ kind: "month", year: 2026, month: 12 });
    expect(parsePeriodKey("week:2026-W49")).toEqual({ kind: "week", year: 2026, week: 49 });
    expect(parsePeriodKey("week:2026-W01")).toEqual({ kind: "week", year: 2026, week: 1 });
  });
  it("refuses what is not one", () => {
    for (const k of [
      "",
      "month:2026-13",
      "month:2026-00",
      "week:2026-W00",
      "week:2025-W53",
      "day:2026-12-01",
      "month:26-1",
    ]) {
      expect(parsePeriodKey(k), k).toBeNull();
    }
    // 2026 has 53 ISO weeks (it starts on a Thursday).
    expect(parsePeriodKey("week:2026-W53")).toEqual({ kind: "week", year: 2026, week: 53 });
  });
  it("finds the Monday of an ISO week, across a year's edge", () => {
    expect(isoWeekMonday(2026, 1).toISOString()).toBe("2025-12-29T00:00:00.000Z");
    expect(isoWeekMonday(2026, 49).toISOString()).toBe("2026-11-30T00:00:00.000Z");
    expect(isoWeekMonday(2021, 1).toISOString()).toBe("2021-01-04T00:00:00.000Z");
    expect(isoWeekMonday(2020, 53).toISOString()).toBe("2020-12-28T00:00:00.000Z");
  });
  it("counts a year's ISO weeks", () => {
    expect(weeksIn(2020)).toBe(53);
    expect(weeksIn(2021)).toBe(52);
    expect(weeksIn(2025)).toBe(52);
    expect(weeksIn(2026)).toBe(53);
  });
});

describe("a period in words", () => {
  it("says all time", () => {
    expect(say(enTexts, periodWords("all", "en"))).toBe("All time");
    expect(say(arTexts, periodWords("all", "ar"))).toBe("كل الأوقات");
  });
  it("names the month", () => {
    expect(say(enTexts, periodWords("month:2026-12", "en"))).toBe("December 2026");
    expect(say(enTexts, periodWords("month:2027-01", "en"))).toBe("January 2027");
    const ar = say(arTexts, periodWords("month:2026-12", "ar"));
    expect(ar).toMatch(/ديسمبر|كانون الأول/);
    expect(ar).toMatch(/2026|٢٠٢٦/);
  });
  it("numbers the week and gives its days, Monday to Sunday", () => {
    expect(say(enTexts, periodWords("week:2026-W49", "en"))).toBe("Week 49, 2026 (Nov 30 – Dec 6)");
    expect(say(enTexts, periodWords("week:2026-W01", "en"))).toBe("Week 1, 2026 (Dec 29 – Jan 4)");
    const ar = say(arTexts, periodWords("week:2026-W49", "ar"));
    expect(ar.startsWith("الأسبوع")).toBe(true);
    expect(ar).toMatch(/نوفمبر|تشرين الثاني/);
  });
  it("keeps the year's digits together (no grouping)", () => {
    expect(periodWords("week:2026-W49", "en").values?.year).toBe("2026");
  });
  it("shows a key it does not know as it is", () => {
    expect(say(enTexts, periodWords("quarter:2026-Q4", "en"))).toBe("quarter:2026-Q4");
  });
});

describe("the caller's place", () => {
  const first = place(1, 1, 900);
  const third = place(3, 3, 880);
  const fourth = place(4, 4, 870);
  const around = [first, place(2, 2, 880), third, fourth];
  it("is the promoter's own row, or its team's", () => {
    expect(ownId("promoters", 7, 99)).toBe(7);
    expect(ownId("promoters", null, null)).toBeNull();
    expect(ownId("teams", 7, 99)).toBe(99);
    expect(ownId("teams", 7, null)).toBeNull();
  });
  it("finds the places tied with it", () => {
    expect(tiedWith(third, around).map((p) => p.id)).toEqual([2]);
    expect(tiedWith(first, around)).toEqual([]);
  });
  it("says what it takes to pass the place above: one more than it, ties going to the earlier", () => {
    expect(toPass(fourth, around)).toEqual({ name: "P3", points: 11 });
    expect(toPass(third, around)).toEqual({ name: "P2", points: 1 });
    expect(toPass(first, around)).toBeNull();
    // The place above is not among the neighbours (around=0).
    expect(toPass(fourth, [fourth])).toBeNull();
  });
});
