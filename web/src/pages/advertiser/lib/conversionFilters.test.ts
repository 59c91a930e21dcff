import { describe, expect, it } from "vitest";
import {
  dayStart,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
  joinCsvPages,
} from "./conversionFilters";

describe("conversion filters", () => {
  it("reads the address and ignores what is malformed", () => {
    expect(
      filtersFromParams(
        new URLSearchParams("status=pending_review&offer_id=12&from=2026-11-01&to=2026-11-30"),
      ),
    ).toEqual({ status: "pending_review", offerId: 12, from: "2026-11-01", to: "2026-11-30" });
    expect(
      filtersFromParams(new URLSearchParams("status=nope&offer_id=x1&from=2026-13-01&to=")),
    ).toEqual({});
  });
  it("writes the address back", () => {
    const f = { status: "approved" as const, offerId: 3, from: "2026-11-01" };
    expect(filtersToParams(f).toString()).toBe("status=approved&offer_id=3&from=2026-11-01");
    expect(filtersFromParams(filtersToParams(f))).toEqual(f);
  });
  it("asks the API for whole days in the browser's zone", () => {
    const q = filtersToQuery({ offerId: 3, from: "2026-11-01", to: "2026-11-30" });
    expect(q.offer_id).toBe(3);
    expect(q.from).toBe(new Date(2026, 10, 1).toISOString());
    expect(q.to).toBe(new Date(2026, 11, 1).toISOString());
    expect(dayStart("2026-12-31")).toBe(new Date(2026, 11, 31).toISOString());
    expect(filtersToQuery({})).toEqual({});
  });
});

describe("joinCsvPages", () => {
  const header = "id,ts,status\r\n";
  it("keeps the header once and every row in order", () => {
    expect(joinCsvPages([`${header}a,1,x\r\n`, `${header}b,2,y\r\n`, `${header}c,3,z\r\n`])).toBe(
      `${header}a,1,x\r\nb,2,y\r\nc,3,z\r\n`,
    );
  });
  it("adds nothing for a page without rows", () => {
    expect(joinCsvPages([`${header}a,1,x\r\n`, header])).toBe(`${header}a,1,x\r\n`);
    expect(joinCsvPages([header])).toBe(header);
    expect(joinCsvPages([])).toBe("");
  });
});
