import { describe, expect, it } from "vitest";
import {
  countryList,
  countryName,
  formatPayout,
  formatPercentString,
  formatWindow,
  isWebUrl,
  payoutOf,
  percentToRatio,
} from "./display";

describe("payoutOf", () => {
  it("shows a fixed amount for CPA and CPL", () => {
    for (const payout_model of ["cpa", "cpl"] as const) {
      expect(payoutOf({ payout_model, payout_amount: "12.50", currency: "USD" })).toEqual({
        kind: "amount",
        amount: "12.50",
        currency: "USD",
      });
    }
  });
  it("shows a percentage for CPS and RevShare", () => {
    for (const payout_model of ["cps", "revshare"] as const) {
      expect(
        payoutOf({ payout_model, payout_percent: "7.5", payout_amount: null, currency: "EUR" }),
      ).toEqual({ kind: "percent", percent: "7.5" });
    }
  });
  it("prefers the model's value when both are there", () => {
    const both = { payout_amount: "3.00", payout_percent: "10", currency: "USD" };
    expect(payoutOf({ ...both, payout_model: "cpa" }).kind).toBe("amount");
    expect(payoutOf({ ...both, payout_model: "revshare" }).kind).toBe("percent");
  });
  it("falls back to whichever is there, else none", () => {
    expect(payoutOf({ payout_model: "cps", payout_amount: "1.00", currency: "USD" }).kind).toBe(
      "amount",
    );
    expect(payoutOf({ payout_model: "cpa", payout_percent: "5", currency: "USD" }).kind).toBe(
      "percent",
    );
    expect(payoutOf({ payout_model: "cpa", currency: "USD" })).toEqual({ kind: "none" });
  });
});

describe("formatPayout", () => {
  it("formats amounts in the offer's currency, exactly", () => {
    expect(formatPayout({ kind: "amount", amount: "12.50", currency: "USD" }, "en")).toBe("$12.50");
    expect(formatPayout({ kind: "amount", amount: "1.2345", currency: "KWD" }, "en")).toBe(
      "KWD\u00a01.2345",
    );
  });
  it("formats percentages from their decimal strings", () => {
    expect(formatPayout({ kind: "percent", percent: "7.5" }, "en")).toBe("7.5%");
    expect(formatPayout({ kind: "percent", percent: "10" }, "en")).toBe("10%");
    expect(formatPayout({ kind: "percent", percent: "0.1234" }, "en")).toBe("0.1234%");
    expect(formatPayout({ kind: "none" }, "en")).toBeUndefined();
  });
  it("writes percentages the Arabic way", () => {
    const s = formatPercentString("7.5", "ar-EG");
    expect(s).toMatch(/[٠-٩]/);
    expect(s).toContain("٪");
  });
});

describe("percentToRatio", () => {
  it("moves the decimal point two places, exactly", () => {
    expect(percentToRatio("7.5")).toBe("0.075");
    expect(percentToRatio("10")).toBe("0.1");
    expect(percentToRatio("100")).toBe("1");
    expect(percentToRatio("250.25")).toBe("2.5025");
    expect(percentToRatio("0.0001")).toBe("0.000001");
    expect(percentToRatio("0")).toBe("0");
    expect(percentToRatio("12345678901234567.89")).toBe("123456789012345.6789");
  });
});

describe("countries and windows", () => {
  it("names countries in the language", () => {
    expect(countryName("SA", "en")).toBe("Saudi Arabia");
    expect(countryName("SA", "ar")).toBe("المملكة العربية السعودية");
    expect(countryList(["US", "GB"], "en")).toBe("United States and United Kingdom");
    expect(countryList(["US", "GB", "FR"], "en", false)).toBe(
      "United States, United Kingdom, France",
    );
  });
  it("writes whole days as days", () => {
    expect(formatWindow(720, "en")).toBe("30 days");
    expect(formatWindow(24, "en")).toBe("1 day");
    expect(formatWindow(36, "en")).toBe("36 hours");
    expect(formatWindow(1, "en")).toBe("1 hour");
  });
  it("links only web addresses", () => {
    expect(isWebUrl("https://example.com/x")).toBe(true);
    expect(isWebUrl("javascript:alert(1)")).toBe(false);
    expect(isWebUrl("not a url")).toBe(false);
    expect(isWebUrl(null)).toBe(false);
  });
});
