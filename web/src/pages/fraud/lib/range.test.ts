import { describe, expect, it } from "vitest";
import { positiveId } from "../../../lib/ids";
import { queueQuery, readQueueFilters, writeQueueFilters } from "./queue";
import { checkRange, readRange, writeRange } from "./range";

// 22:30 UTC is already the 25th in Riyadh: presets count UTC days, so today is the 24th.
const now = new Date("2026-11-24T22:30:00Z");
const read = (q: string) => readRange(new URLSearchParams(q), now);

describe("readRange", () => {
  it("defaults to the last 30 UTC days, today included", () => {
    expect(read("")).toEqual({ range: "30d", from: "2026-10-26", to: "2026-11-24" });
  });
  it("reads a preset", () => {
    expect(read("range=today")).toEqual({ range: "today", from: "2026-11-24", to: "2026-11-24" });
    expect(read("range=90d")).toEqual({ range: "90d", from: "2026-08-27", to: "2026-11-24" });
  });
  it("takes a valid custom range over a preset", () => {
    expect(read("range=7d&from=2026-11-01&to=2026-11-30")).toEqual({
      range: "custom",
      from: "2026-11-01",
      to: "2026-11-30",
    });
  });
  it("falls back on what the API would refuse", () => {
    for (const q of [
      "from=2026-11-30&to=2026-11-01",
      "from=2026-02-30&to=2026-03-01",
      "from=2026-01-01&to=2026-04-03",
      "from=2026-11-01",
      "range=1y",
    ]) {
      expect(read(q).range, q).toBe("30d");
    }
  });
});

describe("checkRange", () => {
  it("allows 92 days, both ends included, and no more", () => {
    expect(checkRange("2026-01-01", "2026-04-02")).toEqual({});
    expect(checkRange("2026-01-01", "2026-04-03")).toEqual({ to: "tooLong" });
  });
  it("names the field at fault", () => {
    expect(checkRange("2026-11-24", "2026-11-23")).toEqual({ to: "order" });
    expect(checkRange("", "2026-11-23")).toEqual({ from: "day" });
    expect(checkRange("1969-12-31", "yesterday")).toEqual({ from: "day", to: "day" });
  });
});

describe("writeRange", () => {
  it("leaves the default out and keeps the other params", () => {
    const base = new URLSearchParams("offer=5&range=7d");
    expect(writeRange({ range: "30d", from: "x", to: "y" }, base).toString()).toBe("offer=5");
    expect(writeRange({ range: "7d", from: "x", to: "y" }).toString()).toBe("range=7d");
    const custom = { range: "custom" as const, from: "2026-11-01", to: "2026-11-30" };
    expect(readRange(writeRange(custom), now)).toEqual(custom);
  });
});

describe("queue filters", () => {
  it("reads a known level and the range", () => {
    const f = readQueueFilters(new URLSearchParams("risk=high&range=7d"), now);
    expect(f).toEqual({
      risk: "high",
      range: { range: "7d", from: "2026-11-18", to: "2026-11-24" },
    });
    expect(readQueueFilters(new URLSearchParams("risk=extreme"), now).risk).toBeNull();
  });
  it("writes only what is set, and reads back the same", () => {
    const f = readQueueFilters(new URLSearchParams(""), now);
    expect(writeQueueFilters(f).toString()).toBe("");
    const g = { ...f, risk: "medium" as const };
    expect(readQueueFilters(writeQueueFilters(g), now)).toEqual(g);
  });
  it("builds the API query: the days, the level when set, a page size", () => {
    const f = readQueueFilters(new URLSearchParams("from=2026-11-01&to=2026-11-30"), now);
    expect(queueQuery(f)).toEqual({ from: "2026-11-01", to: "2026-11-30", limit: 25 });
    expect(queueQuery({ ...f, risk: "low" })).toMatchObject({ risk: "low" });
  });
});

describe("positiveId", () => {
  it("takes positive integers only", () => {
    expect(positiveId("42")).toBe(42);
    for (const bad of [null, undefined, "", "0", "-1", "1.5", "07", "abc", "99999999999999999"]) {
      expect(positiveId(bad), String(bad)).toBeNull();
    }
  });
});
