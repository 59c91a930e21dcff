import { describe, expect, it } from "vitest";
import { dayStart } from "../../../lib/dates";
import {
  conversionIdFromParams,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
} from "./conversionFilters";

describe("conversion filters", () => {
  it("keeps the fraud filter through the address and into the query", () => {
    for (const fraud of ["any", "none", "ctit_short", "datacenter_ip", "vpn_ip"] as const) {
      const f = filtersFromParams(new URLSearchParams(`fraud=${fraud}&status=rejected_fraud`));
      expect(f).toEqual({ fraud, status: "rejected_fraud" });
      expect(filtersToParams(f).get("fraud")).toBe(fraud);
      expect(filtersToQuery(f)).toEqual({ fraud, status: "rejected_fraud" });
    }
    expect(filtersFromParams(new URLSearchParams("fraud=bots"))).toEqual({});
    expect(filtersFromParams(new URLSearchParams("fraud="))).toEqual({});
  });
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
  it("reads one conversion's id from the address, a UUID or nothing", () => {
    const id = "0190a5b2-7c3d-7e4f-8a9b-0c1d2e3f4a5b";
    expect(conversionIdFromParams(new URLSearchParams(`id=${id}`))).toBe(id);
    expect(conversionIdFromParams(new URLSearchParams(`id=${id.toUpperCase()}`))).toBe(id);
    expect(conversionIdFromParams(new URLSearchParams("id=12"))).toBeNull();
    expect(conversionIdFromParams(new URLSearchParams(`id=${id}x`))).toBeNull();
    expect(conversionIdFromParams(new URLSearchParams(""))).toBeNull();
  });
});
