import { describe, expect, it } from "vitest";
import type { Schemas } from "../../../api/client";
import { oneCurrencyClicks, promoterLines } from "./promoterStats";

type Row = Schemas["StatsRow"];

function row(p: Partial<Row>): Row {
  return {
    period: "2026-11-01",
    clicks: 0,
    unique_clicks: 0,
    filtered_clicks: 0,
    conversions: 0,
    payout: {},
    revenue: {},
    cr: 0,
    epc: {},
    ...p,
  };
}

function answer(rows: Row[], totals: Partial<Row>): Schemas["StatsAnswer"] {
  return { tz: "UTC", granularity: "month", group_by: "promoter", rows, totals: row(totals) };
}

describe("promoterLines", () => {
  it("adds a promoter's periods and keeps the API's EPC for a single period", () => {
    const lines = promoterLines(
      answer(
        [
          row({ group: "42", clicks: 30, conversions: 3, payout: { USD: "30.00" } }),
          row({
            group: "7",
            clicks: 10,
            conversions: 1,
            payout: { USD: "12.50" },
            epc: { USD: "1.25" },
          }),
          row({
            period: "2026-12-01",
            group: "42",
            clicks: 10,
            conversions: 1,
            payout: { USD: "10.05" },
          }),
        ],
        { clicks: 50, payout: { USD: "52.55" }, epc: { USD: "1.0510" } },
      ),
    );
    expect(lines.map((l) => l.promoter)).toEqual(["42", "7"]);
    const [a, b] = lines;
    expect(a).toMatchObject({ clicks: 40, conversions: 4, payout: { USD: "40.05" }, cr: 0.1 });
    // 40.05 / 40 = 1.00125: half to even.
    expect(a?.epc).toEqual({ USD: "1.0012" });
    expect(a?.epcExact).toBe(true);
    expect(b?.epc).toEqual({ USD: "1.25" });
    expect(b?.epcExact).toBe(true);
  });
  it("marks EPC over several periods as an estimate when clicks span currencies", () => {
    const lines = promoterLines(
      answer(
        [
          row({ group: "1", clicks: 10, payout: { USD: "10.00" } }),
          row({ period: "2026-12-01", group: "1", clicks: 10, payout: { EUR: "5.00" } }),
        ],
        { clicks: 20, payout: { USD: "10.00", EUR: "5.00" }, epc: { USD: "1.00", EUR: "0.50" } },
      ),
    );
    expect(lines[0]?.epc).toEqual({ USD: "0.50", EUR: "0.25" });
    expect(lines[0]?.epcExact).toBe(false);
  });
  it("has no EPC without clicks and no CR without clicks", () => {
    const [line] = promoterLines(
      answer(
        [
          row({ group: "9", conversions: 1, payout: { USD: "1.00" } }),
          row({ period: "2026-12-01", group: "9" }),
        ],
        {},
      ),
    );
    expect(line).toMatchObject({ cr: 0, epc: {}, epcExact: true });
  });
});

describe("oneCurrencyClicks", () => {
  it("holds when the totals' EPC is their payout over all clicks", () => {
    expect(
      oneCurrencyClicks(row({ clicks: 3, payout: { USD: "10.00" }, epc: { USD: "3.3333" } })),
    ).toBe(true);
    // Some clicks were on offers paying in another currency.
    expect(
      oneCurrencyClicks(row({ clicks: 4, payout: { USD: "10.00" }, epc: { USD: "3.3333" } })),
    ).toBe(false);
    expect(oneCurrencyClicks(row({}))).toBe(true);
  });
});
