import { describe, expect, it } from "vitest";
import {
  filtersFromSearch,
  isFiltered,
  MARKET_PAGE_SIZE,
  marketQuery,
  searchFromFilters,
} from "./marketplaceQuery";

const sp = (s: string) => new URLSearchParams(s);

describe("filtersFromSearch", () => {
  it("defaults to the newest offers, unfiltered", () => {
    expect(filtersFromSearch(sp(""))).toEqual({ sort: "newest" });
  });
  it("reads every filter, normalised as the API compares them", () => {
    expect(
      filtersFromSearch(
        sp("category=%20Shopping%20&payout_model=cps&country=sa&sort=payout&q=%20shoes%20"),
      ),
    ).toEqual({
      category: "shopping",
      payoutModel: "cps",
      country: "SA",
      sort: "payout",
      q: "shoes",
    });
  });
  it("ignores unknown or malformed values", () => {
    expect(
      filtersFromSearch(sp("payout_model=cpm&country=USA&sort=oldest&category=&q=%20")),
    ).toEqual({ sort: "newest" });
  });
});

describe("searchFromFilters", () => {
  it("leaves out the default sort and empty filters", () => {
    expect(searchFromFilters({ sort: "newest" }).toString()).toBe("");
  });
  it("round-trips", () => {
    const s = "q=red+shoes&category=shopping&payout_model=cpa&country=AE&sort=payout";
    expect(searchFromFilters(filtersFromSearch(sp(s))).toString()).toBe(s);
  });
});

describe("marketQuery", () => {
  it("asks for a page of the newest offers by default", () => {
    expect(marketQuery({ sort: "newest" })).toEqual({ limit: MARKET_PAGE_SIZE });
  });
  it("passes the filters under the API's names", () => {
    expect(
      marketQuery({
        category: "games",
        payoutModel: "revshare",
        country: "EG",
        sort: "payout",
        q: "red shoes",
      }),
    ).toEqual({
      limit: MARKET_PAGE_SIZE,
      category: "games",
      payout_model: "revshare",
      country: "EG",
      sort: "payout",
      q: "red shoes",
    });
  });
  it("knows when the list is narrowed", () => {
    expect(isFiltered({ sort: "payout" })).toBe(false);
    expect(isFiltered({ sort: "newest", country: "SA" })).toBe(true);
  });
});
