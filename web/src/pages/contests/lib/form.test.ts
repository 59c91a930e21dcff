import { describe, expect, it } from "vitest";
import type { ContestView } from "../../../api/hooks/contests";
import {
  addPrizeRow,
  buildPayload,
  type ContestForm,
  changesBody,
  createBody,
  emptyForm,
  formOf,
  localToUtc,
  prizeErrors,
  removePrizeRow,
  toggleOffer,
  updatePrizeRow,
  utcToLocal,
  zoneOffsetMs,
} from "./form";

describe("local date-times and RFC 3339", () => {
  it("reads a wall-clock time in the zone and sends it in UTC", () => {
    expect(localToUtc("2026-12-01T09:00", "Asia/Riyadh")).toBe("2026-12-01T06:00:00Z");
    expect(localToUtc("2026-12-01T09:00", "UTC")).toBe("2026-12-01T09:00:00Z");
    expect(localToUtc("2026-12-01T09:30:15", "America/New_York")).toBe("2026-12-01T14:30:15Z");
    // India is half an hour off.
    expect(localToUtc("2026-01-01T00:00", "Asia/Kolkata")).toBe("2025-12-31T18:30:00Z");
  });
  it("follows daylight saving time on either side of the change", () => {
    // Berlin: +1 in winter, +2 from 29 March 2026.
    expect(localToUtc("2026-03-28T12:00", "Europe/Berlin")).toBe("2026-03-28T11:00:00Z");
    expect(localToUtc("2026-03-30T12:00", "Europe/Berlin")).toBe("2026-03-30T10:00:00Z");
    expect(localToUtc("2026-03-29T03:30", "Europe/Berlin")).toBe("2026-03-29T01:30:00Z");
  });
  it("refuses what is not a date-time", () => {
    for (const bad of ["", "2026-12-01", "2026-02-30T10:00", "2026-12-01T24:00", "tomorrow"]) {
      expect(localToUtc(bad, "UTC"), bad).toBeNull();
    }
  });
  it("shows an instant as the zone's wall clock, both ways round", () => {
    expect(utcToLocal("2026-12-01T06:00:00Z", "Asia/Riyadh")).toBe("2026-12-01T09:00");
    expect(utcToLocal("2026-07-01T22:30:00+00:00", "Europe/Berlin")).toBe("2026-07-02T00:30");
    expect(utcToLocal("not a time", "UTC")).toBe("");
    for (const tz of ["Asia/Riyadh", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"]) {
      const local = utcToLocal("2026-05-17T13:45:00Z", tz);
      expect(localToUtc(local, tz), tz).toBe("2026-05-17T13:45:00Z");
    }
  });
  it("knows the zone's offset at an instant", () => {
    expect(zoneOffsetMs(Date.UTC(2026, 0, 1), "Asia/Riyadh")).toBe(3 * 3_600_000);
    expect(zoneOffsetMs(Date.UTC(2026, 6, 1, 0, 0, 0, 500), "Europe/Berlin")).toBe(2 * 3_600_000);
  });
});

describe("prize rows", () => {
  const one = emptyForm(new Date("2026-12-01T10:20:00Z"), "UTC").prizes;
  it("adds the next rank, keeping the last row's currency", () => {
    const rows = updatePrizeRow(one, 1, { currency: "USD" });
    const two = addPrizeRow(rows);
    expect(two).toHaveLength(2);
    expect(two[1]).toEqual({ key: 2, rank: "2", prize: "", amount: "", currency: "USD" });
    const three = addPrizeRow(updatePrizeRow(two, 2, { rank: "5" }));
    expect(three[2]?.rank).toBe("6");
    expect(addPrizeRow([])).toEqual([{ key: 1, rank: "1", prize: "", amount: "", currency: "" }]);
  });
  it("removes a row by its key; the others keep theirs", () => {
    const rows = addPrizeRow(addPrizeRow(one));
    const left = removePrizeRow(rows, 2);
    expect(left.map((r) => r.key)).toEqual([1, 3]);
    // A new row never takes a key still in use.
    expect(addPrizeRow(left)[2]?.key).toBe(4);
  });
  it("puts the API's errors on the row each prize came from", () => {
    const fields = {
      "prizes[0].amount": "must be a decimal",
      "prizes[1].rank": "rank 1 has a prize already",
      "prizes[1].currency": "is required with an amount",
      prizes: "may list at most 100 prizes",
      name: "must be 2 to 100 characters",
    };
    expect(prizeErrors(fields, [3, 7])).toEqual({
      rows: {
        3: { amount: "must be a decimal" },
        7: { rank: "rank 1 has a prize already", currency: "is required with an amount" },
      },
      list: "may list at most 100 prizes",
    });
    expect(prizeErrors({ "prizes[4].prize": "x" }, [1])).toEqual({ rows: {} });
  });
});

describe("the payload", () => {
  const base: ContestForm = {
    name: "  December Sprint ",
    description: "  Most conversions wins. ",
    starts: "2026-12-01T00:00",
    ends: "2026-12-31T00:00",
    metric: "conversions",
    currency: "usd",
    kind: "individual",
    offerIds: [9, 4],
    prizes: [
      { key: 1, rank: "1", prize: " Gift card ", amount: "100.00", currency: "usd" },
      { key: 2, rank: "", prize: "", amount: "", currency: "" },
      { key: 3, rank: "2", prize: "T-shirt", amount: "", currency: "" },
    ],
  };
  it("trims, converts the window, skips empty rows and maps the rows sent", () => {
    const p = buildPayload(base, "Asia/Riyadh");
    expect(p.problems).toEqual({});
    expect(p.body).toEqual({
      name: "December Sprint",
      description: "Most conversions wins.",
      starts_at: "2026-11-30T21:00:00Z",
      ends_at: "2026-12-30T21:00:00Z",
      metric: "conversions",
      kind: "individual",
      offer_ids: [4, 9],
      prizes: [
        { rank: 1, prize: "Gift card", amount: "100.00", currency: "USD" },
        { rank: 2, prize: "T-shirt" },
      ],
    });
    expect(p.prizeKeys).toEqual([1, 3]);
  });
  it("sends the currency only for payouts, and no offers for points", () => {
    const payout = buildPayload({ ...base, metric: "payout" }, "UTC").body;
    expect(payout.currency).toBe("USD");
    const points = buildPayload({ ...base, metric: "points" }, "UTC").body;
    expect(points.offer_ids).toEqual([]);
    expect(points.currency).toBeUndefined();
  });
  it("names what it cannot send at the API's field names", () => {
    const p = buildPayload(
      {
        ...base,
        starts: "",
        prizes: [
          { key: 5, rank: "", prize: "Mug", amount: "", currency: "" },
          { key: 6, rank: "1.5", prize: "Cap", amount: "", currency: "" },
        ],
      },
      "UTC",
    );
    expect(p.problems).toEqual({
      starts_at: "dateTime",
      "prizes[0].rank": "rank",
      "prizes[1].rank": "rank",
    });
    expect(p.prizeKeys).toEqual([5, 6]);
  });
  it("leaves an empty description out of a new contest, and clears it in a draft's changes", () => {
    const p = buildPayload({ ...base, description: "  " }, "UTC");
    expect("description" in createBody(p)).toBe(false);
    expect(changesBody(p).description).toBe("");
    // A draft moved off the payout metric loses its currency.
    expect(changesBody(p).currency).toBe("");
    expect(changesBody(buildPayload({ ...base, metric: "payout" }, "UTC")).currency).toBe("USD");
  });
});

describe("the form's start", () => {
  it("a new contest starts at the next full hour, for a week", () => {
    const f = emptyForm(new Date("2026-12-01T10:20:00Z"), "Asia/Riyadh");
    expect(f.starts).toBe("2026-12-01T14:00");
    expect(f.ends).toBe("2026-12-08T14:00");
    expect(f.prizes).toHaveLength(1);
  });
  it("a draft comes back as it was sent", () => {
    const c = {
      name: "Sprint",
      description: null,
      starts_at: "2026-11-30T21:00:00Z",
      ends_at: "2026-12-30T21:00:00Z",
      metric: "payout",
      currency: "EUR",
      kind: "team",
      offer_ids: [4],
      prizes: [{ rank: 1, prize: "Cash", amount: "50.00", currency: "EUR" }],
    } as unknown as ContestView;
    const f = formOf(c, "Asia/Riyadh");
    expect(f.starts).toBe("2026-12-01T00:00");
    expect(f.description).toBe("");
    const again = buildPayload(f, "Asia/Riyadh").body;
    expect(again.starts_at).toBe(c.starts_at);
    expect(again.currency).toBe("EUR");
    expect(again.prizes).toEqual([{ rank: 1, prize: "Cash", amount: "50.00", currency: "EUR" }]);
  });
  it("toggles offers in order", () => {
    expect(toggleOffer([3, 9], 5, true)).toEqual([3, 5, 9]);
    expect(toggleOffer([3, 5, 9], 5, false)).toEqual([3, 9]);
    expect(toggleOffer([3], 3, true)).toEqual([3]);
  });
});
