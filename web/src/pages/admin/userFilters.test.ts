import { describe, expect, it } from "vitest";
import { readFilters, writeFilters } from "./userFilters";

describe("user filters", () => {
  it("reads a known role and trimmed text", () => {
    expect(readFilters(new URLSearchParams("role=advertiser&q=%20acme%20"))).toEqual({
      role: "advertiser",
      q: "acme",
    });
  });
  it("ignores an unknown role and empty text", () => {
    expect(readFilters(new URLSearchParams("role=root&q=%20%20"))).toEqual({});
    expect(readFilters(new URLSearchParams(""))).toEqual({});
  });
  it("writes only what is set, and reads back the same", () => {
    expect(writeFilters({}).toString()).toBe("");
    expect(writeFilters({ q: "  " }).toString()).toBe("");
    const f = { role: "admin" as const, q: "a b&c" };
    expect(readFilters(writeFilters(f))).toEqual(f);
  });
});
