import { describe, expect, it } from "vitest";
import { spanDays, validDay } from "../../lib/dates";
import {
  changeView,
  checkRange,
  groupsFor,
  maxDays,
  type ParseContext,
  parseStatsSearch,
  type StatsView,
  toApiQuery,
  toSearch,
} from "./view";

const now = new Date("2026-11-24T12:00:00Z");
const promoter = { role: "promoter" as const, now, timeZone: "UTC" };
const advertiser = { role: "advertiser" as const, now, timeZone: "UTC" };
const admin = { role: "admin" as const, now, timeZone: "UTC" };

function parse(query: string, ctx: ParseContext = promoter): StatsView {
  return parseStatsSearch(new URLSearchParams(query), ctx);
}

describe("parseStatsSearch", () => {
  it("defaults to the last 7 days by day, no split, no filter", () => {
    expect(parse("")).toEqual({
      range: "7d",
      from: "2026-11-18",
      to: "2026-11-24",
      granularity: "day",
      group: null,
      offer: null,
      promoter: null,
      country: null,
    });
  });
  it("reads presets, in the browser's zone", () => {
    expect(parse("range=today")).toMatchObject({
      range: "today",
      from: "2026-11-24",
      to: "2026-11-24",
    });
    expect(parse("range=30d")).toMatchObject({ from: "2026-10-26", to: "2026-11-24" });
    expect(parse("range=90d")).toMatchObject({ from: "2026-08-27", to: "2026-11-24" });
    const late = { ...promoter, now: new Date("2026-11-24T23:30:00Z"), timeZone: "Asia/Riyadh" };
    expect(parse("range=today", late)).toMatchObject({ from: "2026-11-25", to: "2026-11-25" });
  });
  it("reads a custom range over the preset", () => {
    expect(parse("range=30d&from=2026-01-01&to=2026-01-31&granularity=week")).toMatchObject({
      range: "custom",
      from: "2026-01-01",
      to: "2026-01-31",
      granularity: "week",
    });
  });
  it("falls back to the default for invalid values", () => {
    expect(parse("range=year")).toMatchObject({ range: "7d", from: "2026-11-18" });
    expect(parse("granularity=minute").granularity).toBe("day");
    expect(parse("group=planet").group).toBeNull();
    expect(parse("offer=abc&country=FRA").offer).toBeNull();
    expect(parse("offer=-3").offer).toBeNull();
    expect(parse("offer=0").offer).toBeNull();
    expect(parse("country=fra").country).toBeNull();
  });
  it("ignores a custom range that is malformed, reversed or too long", () => {
    for (const q of [
      "from=2026-02-30&to=2026-03-01",
      "from=2026-11-24",
      "from=24/11/2026&to=2026-11-25",
      "from=2026-11-24&to=2026-11-01",
      "from=1960-01-01&to=1960-01-02",
      "from=2020-01-01&to=2026-01-01",
    ]) {
      expect(parse(q), q).toMatchObject({ range: "7d", from: "2026-11-18", to: "2026-11-24" });
    }
  });
  it("takes hourly only for ranges of 31 days at most", () => {
    expect(parse("range=7d&granularity=hour").granularity).toBe("hour");
    expect(parse("from=2026-01-01&to=2026-01-31&granularity=hour").granularity).toBe("hour");
    expect(parse("from=2026-01-01&to=2026-02-01&granularity=hour").granularity).toBe("day");
    expect(parse("range=90d&granularity=hour").granularity).toBe("day");
  });
  it("offers each role its splits", () => {
    expect(parse("group=sub1").group).toBe("sub1");
    expect(parse("group=promoter").group).toBeNull();
    expect(parse("group=promoter", advertiser).group).toBe("promoter");
    expect(parse("group=advertiser", advertiser).group).toBeNull();
    expect(parse("group=advertiser", admin).group).toBe("advertiser");
    expect(groupsFor("promoter")).toEqual(["offer", "country", "sub1"]);
  });
  it("reads filters", () => {
    expect(parse("offer=12&country=sa&promoter=7", advertiser)).toMatchObject({
      offer: 12,
      country: "SA",
      promoter: 7,
    });
    // A promoter sees only its own traffic: no promoter filter.
    expect(parse("promoter=7").promoter).toBeNull();
  });
});

describe("toSearch", () => {
  it("leaves defaults out", () => {
    expect(toSearch(parse("")).toString()).toBe("");
  });
  it("writes presets by name and custom ranges by days", () => {
    expect(toSearch(parse("range=30d&granularity=week&group=offer")).toString()).toBe(
      "range=30d&granularity=week&group=offer",
    );
    expect(toSearch(parse("from=2026-01-01&to=2026-01-31&offer=4&country=SA")).toString()).toBe(
      "from=2026-01-01&to=2026-01-31&offer=4&country=SA",
    );
  });
  it("round-trips through parse", () => {
    const v = parse(
      "from=2026-01-01&to=2026-01-31&granularity=hour&group=promoter&promoter=3",
      admin,
    );
    expect(parseStatsSearch(toSearch(v), admin)).toEqual(v);
  });
});

describe("changeView", () => {
  it("computes a preset's days and drops hourly when too long", () => {
    const v = parse("range=today&granularity=hour");
    expect(changeView(v, { range: "90d" }, now, "UTC")).toMatchObject({
      range: "90d",
      from: "2026-08-27",
      to: "2026-11-24",
      granularity: "day",
    });
    expect(changeView(v, { range: "7d" }, now, "UTC").granularity).toBe("hour");
  });
  it("keeps a custom range's days", () => {
    const v = changeView(
      parse(""),
      { range: "custom", from: "2026-01-01", to: "2026-01-02" },
      now,
      "UTC",
    );
    expect(v).toMatchObject({ range: "custom", from: "2026-01-01", to: "2026-01-02" });
  });
});

describe("toApiQuery", () => {
  it("sends the range, granularity and zone, and only the filters set", () => {
    expect(toApiQuery(parse(""), "Asia/Riyadh")).toEqual({
      from: "2026-11-18",
      to: "2026-11-24",
      granularity: "day",
      tz: "Asia/Riyadh",
    });
    expect(toApiQuery(parse("group=offer&offer=5&country=eg", advertiser), "UTC")).toEqual({
      from: "2026-11-18",
      to: "2026-11-24",
      granularity: "day",
      tz: "UTC",
      group_by: "offer",
      offer_id: 5,
      country: "EG",
    });
  });
});

describe("ranges", () => {
  it("counts days with both ends", () => {
    expect(spanDays("2026-11-24", "2026-11-24")).toBe(1);
    expect(spanDays("2026-01-01", "2026-01-31")).toBe(31);
    expect(spanDays("2026-03-28", "2026-03-30")).toBe(3);
  });
  it("knows the API's limits", () => {
    expect(maxDays("hour")).toBe(31);
    expect(maxDays("day")).toBe(732);
  });
  it("checks days", () => {
    expect(validDay("2028-02-29")).toBe(true);
    expect(validDay("2026-02-29")).toBe(false);
    expect(validDay("1969-12-31")).toBe(false);
    expect(validDay("9001-01-01")).toBe(false);
  });
  it("names what is wrong with a custom range", () => {
    expect(checkRange("2026-01-01", "2026-01-31", "hour")).toEqual({});
    expect(checkRange("", "2026-01-31", "day")).toEqual({ from: "day" });
    expect(checkRange("2026-01-02", "2026-01-01", "day")).toEqual({ to: "order" });
    expect(checkRange("2026-01-01", "2026-02-01", "hour")).toEqual({ to: "tooLong" });
    expect(checkRange("2024-01-01", "2026-01-02", "day")).toEqual({ to: "tooLong" });
    expect(checkRange("2024-01-01", "2026-01-01", "day")).toEqual({});
  });
});
