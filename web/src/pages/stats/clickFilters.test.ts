import { describe, expect, it } from "vitest";
import { spanDays } from "../../lib/dates";
import {
  checkClickRange,
  clickFiltersFromParams,
  clickFiltersToParams,
  clickFiltersToQuery,
} from "./clickFilters";

describe("click filters", () => {
  it("reads the address and ignores what is malformed", () => {
    expect(
      clickFiltersFromParams(
        new URLSearchParams("offer_id=12&verdict=bot&fraud=any&from=2026-11-01&to=2026-11-30"),
      ),
    ).toEqual({ offerId: 12, verdict: "bot", fraud: "any", from: "2026-11-01", to: "2026-11-30" });
    expect(
      clickFiltersFromParams(
        new URLSearchParams("offer_id=x&verdict=nope&fraud=bots&from=2026-13-01&to="),
      ),
    ).toEqual({});
  });
  it("takes every click reason, any and none, but not a conversion's reason", () => {
    for (const fraud of [
      "any",
      "none",
      "datacenter_ip",
      "vpn_ip",
      "click_flood",
      "ip_flood",
      "suspicious_agent",
      "suspended_promoter",
    ]) {
      expect(clickFiltersFromParams(new URLSearchParams({ fraud })).fraud).toBe(fraud);
    }
    expect(clickFiltersFromParams(new URLSearchParams("fraud=ctit_short"))).toEqual({});
  });
  it("writes the address back, in a stable order", () => {
    const f = { offerId: 3, verdict: "ok" as const, fraud: "none" as const, from: "2026-11-01" };
    expect(clickFiltersToParams(f).toString()).toBe(
      "offer_id=3&verdict=ok&fraud=none&from=2026-11-01",
    );
    expect(clickFiltersFromParams(clickFiltersToParams(f))).toEqual(f);
    expect(clickFiltersToParams({}).toString()).toBe("");
  });
  it("asks the API for whole days in the browser's zone, with the same filters", () => {
    const q = clickFiltersToQuery({
      offerId: 3,
      verdict: "geo_blocked",
      fraud: "vpn_ip",
      from: "2026-11-01",
      to: "2026-11-30",
    });
    expect(q).toEqual({
      offer_id: 3,
      verdict: "geo_blocked",
      fraud: "vpn_ip",
      from: new Date(2026, 10, 1).toISOString(),
      to: new Date(2026, 11, 1).toISOString(),
    });
    // No days: the API's last 7 days.
    expect(clickFiltersToQuery({ fraud: "any" })).toEqual({ fraud: "any" });
  });
  it("checks a range as the API does: in order, at most 93 days", () => {
    expect(spanDays("2026-11-01", "2026-11-01")).toBe(1);
    expect(spanDays("2026-01-01", "2026-12-31")).toBe(365);
    expect(checkClickRange("2026-11-02", "2026-11-01")).toEqual({ to: "order" });
    expect(checkClickRange("2026-09-01", "2026-12-02")).toEqual({});
    expect(spanDays("2026-09-01", "2026-12-02")).toBe(93);
    expect(checkClickRange("2026-09-01", "2026-12-03")).toEqual({ to: "tooLong" });
    expect(checkClickRange("", "2026-12-03")).toEqual({});
    expect(checkClickRange("2026-09-01", "")).toEqual({});
  });
});
