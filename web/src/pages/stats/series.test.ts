import { describe, expect, it } from "vitest";
import type { StatsAnswer, StatsRow } from "../../api/hooks/stats";
import { chartPoints, currenciesOf, periodsBetween, statsCsvRows, sumByPeriod } from "./series";

function row(period: string, patch: Partial<StatsRow> = {}): StatsRow {
  return {
    period,
    clicks: 0,
    unique_clicks: 0,
    filtered_clicks: 0,
    conversions: 0,
    payout: {},
    revenue: {},
    cr: 0,
    epc: {},
    ...patch,
  };
}

function answer(rows: StatsRow[], patch: Partial<StatsAnswer> = {}): StatsAnswer {
  return {
    tz: "UTC",
    granularity: "day",
    group_by: null,
    rows,
    totals: row("2026-11-22/2026-11-24"),
    ...patch,
  };
}

describe("sumByPeriod", () => {
  it("sums the groups of each period, in period order", () => {
    const rows = [
      row("2026-11-23", { group: "1", clicks: 5, conversions: 1 }),
      row("2026-11-22", { group: "1", clicks: 2 }),
      row("2026-11-23", { group: "2", clicks: 3, conversions: 2 }),
    ];
    expect(sumByPeriod(rows)).toEqual([
      { period: "2026-11-22", clicks: 2, conversions: 0 },
      { period: "2026-11-23", clicks: 8, conversions: 3 },
    ]);
  });
  it("gives nothing for no rows", () => {
    expect(sumByPeriod([])).toEqual([]);
  });
});

describe("periodsBetween", () => {
  it("lists days", () => {
    expect(periodsBetween("2026-02-27", "2026-03-02", "day")).toEqual([
      "2026-02-27",
      "2026-02-28",
      "2026-03-01",
      "2026-03-02",
    ]);
  });
  it("lists 24 hours a day", () => {
    const h = periodsBetween("2026-11-23", "2026-11-24", "hour");
    expect(h).toHaveLength(48);
    expect(h[0]).toBe("2026-11-23T00:00");
    expect(h[47]).toBe("2026-11-24T23:00");
  });
  it("starts weeks on the Monday on or before the first day", () => {
    // 2026-11-24 is a Tuesday.
    expect(periodsBetween("2026-11-24", "2026-12-07", "week")).toEqual([
      "2026-11-23",
      "2026-11-30",
      "2026-12-07",
    ]);
    expect(periodsBetween("2026-11-23", "2026-11-23", "week")).toEqual(["2026-11-23"]);
  });
  it("starts months on the 1st, across years", () => {
    expect(periodsBetween("2026-11-24", "2027-01-05", "month")).toEqual([
      "2026-11-01",
      "2026-12-01",
      "2027-01-01",
    ]);
  });
  it("gives nothing for a bad range", () => {
    expect(periodsBetween("2026-11-24", "2026-11-01", "day")).toEqual([]);
    expect(periodsBetween("x", "2026-11-01", "day")).toEqual([]);
  });
});

describe("chartPoints", () => {
  it("fills the periods without activity with zeros", () => {
    const a = answer([row("2026-11-23", { clicks: 4, conversions: 1 })]);
    expect(chartPoints(a)).toEqual([
      { period: "2026-11-22", clicks: 0, conversions: 0 },
      { period: "2026-11-23", clicks: 4, conversions: 1 },
      { period: "2026-11-24", clicks: 0, conversions: 0 },
    ]);
  });
  it("sums groups and keeps a period the API has that the calendar does not", () => {
    const a = answer(
      [
        row("2026-11-22T01:00", { group: "SA", clicks: 1 }),
        row("2026-11-22T01:00", { group: "EG", clicks: 2, conversions: 1 }),
        row("2026-11-22T01:30", { group: "EG", clicks: 1 }),
      ],
      { granularity: "hour", group_by: "country", totals: row("2026-11-22/2026-11-22") },
    );
    const points = chartPoints(a);
    expect(points).toHaveLength(25);
    expect(points[1]).toEqual({ period: "2026-11-22T01:00", clicks: 3, conversions: 1 });
    expect(points[2]).toEqual({ period: "2026-11-22T01:30", clicks: 1, conversions: 0 });
  });
  it("uses the rows alone when the range is unreadable", () => {
    const a = answer([row("2026-11-23", { clicks: 1 })], { totals: row("?") });
    expect(chartPoints(a)).toEqual([{ period: "2026-11-23", clicks: 1, conversions: 0 }]);
  });
});

describe("statsCsvRows", () => {
  const headers = {
    period: "Period",
    group: "Offer",
    clicks: "Clicks",
    unique: "Unique",
    conversions: "Conversions",
    payout: (c: string) => `Payout ${c}`,
    cr: "CR",
    epc: (c: string) => `EPC ${c}`,
  };
  it("writes a column per currency, with the API's exact amounts", () => {
    const a = answer(
      [
        row("2026-11-23", {
          group: "7",
          clicks: 10,
          unique_clicks: 8,
          conversions: 1,
          payout: { USD: "12.50" },
          cr: 0.1,
          epc: { USD: "1.2500" },
        }),
        row("2026-11-24", {
          group: "=cmd",
          clicks: 2,
          payout: { EUR: "3.00" },
          epc: { EUR: "1.5000" },
        }),
      ],
      { group_by: "offer" },
    );
    expect(currenciesOf(a.rows)).toEqual(["EUR", "USD"]);
    expect(statsCsvRows(a, headers)).toEqual([
      [
        "Period",
        "Offer",
        "Clicks",
        "Unique",
        "Conversions",
        "Payout EUR",
        "Payout USD",
        "CR",
        "EPC EUR",
        "EPC USD",
      ],
      ["2026-11-23", "7", 10, 8, 1, "0", "12.50", 0.1, "", "1.2500"],
      ["2026-11-24", "=cmd", 2, 0, 0, "3.00", "0", 0, "1.5000", ""],
    ]);
  });
  it("has no group column without a split", () => {
    const [header] = statsCsvRows(answer([]), headers);
    expect(header).toEqual(["Period", "Clicks", "Unique", "Conversions", "CR"]);
  });
});
