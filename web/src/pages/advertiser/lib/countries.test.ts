import { describe, expect, it } from "vitest";
import {
  addCountry,
  COMMON_COUNTRIES,
  countryChoices,
  countryName,
  listErrors,
  normalizeCountry,
  removeCountry,
} from "./countries";

describe("country codes", () => {
  it("normalizes what is typed", () => {
    expect(normalizeCountry(" us ")).toBe("US");
    expect(normalizeCountry("Sa")).toBe("SA");
    expect(normalizeCountry("USA")).toBeNull();
    expect(normalizeCountry("U1")).toBeNull();
    expect(normalizeCountry("")).toBeNull();
    expect(normalizeCountry("é1")).toBeNull();
  });
  it("adds once, keeps order, removes", () => {
    expect(addCountry(["US"], "SA")).toEqual(["US", "SA"]);
    expect(addCountry(["US", "SA"], "US")).toEqual(["US", "SA"]);
    expect(removeCountry(["US", "SA", "AE"], "SA")).toEqual(["US", "AE"]);
    expect(removeCountry(["US"], "FR")).toEqual(["US"]);
  });
  it("names countries in the language, the code when unknown", () => {
    expect(countryName("US", "en")).toBe("United States");
    expect(countryName("SA", "ar")).toBe("المملكة العربية السعودية");
    expect(countryName("XX", "en")).toBe("XX");
  });
  it("offers the common countries not yet chosen, by name", () => {
    const choices = countryChoices(["US"], "en");
    expect(choices.some((c) => c.code === "US")).toBe(false);
    expect(choices).toHaveLength(COMMON_COUNTRIES.length - 1);
    const names = choices.map((c) => c.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, "en")));
    expect(new Set(COMMON_COUNTRIES).size).toBe(COMMON_COUNTRIES.length);
  });
});

describe("listErrors", () => {
  it("names the code of each indexed error and keeps list-wide ones", () => {
    const fields = {
      "geo_allow[1]": "must be a two-letter country code such as US",
      geo_deny: "must not repeat a country of geo_allow",
      name: "is required",
    };
    expect(listErrors(fields, "geo_allow", ["US", "ZZ"])).toEqual([
      { code: "ZZ", message: "must be a two-letter country code such as US" },
    ]);
    expect(listErrors(fields, "geo_deny", ["US"])).toEqual([
      { code: null, message: "must not repeat a country of geo_allow" },
    ]);
    expect(listErrors({ "geo_allow[5]": "bad" }, "geo_allow", [])).toEqual([
      { code: null, message: "bad" },
    ]);
  });
});
