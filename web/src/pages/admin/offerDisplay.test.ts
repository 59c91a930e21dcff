import { describe, expect, it } from "vitest";
import { countryNames, formatPercentString, payoutText, percentToRatio } from "./offerDisplay";

describe("percentToRatio", () => {
  it("moves the decimal point two places, exactly", () => {
    expect(percentToRatio("7.5")).toBe("0.075");
    expect(percentToRatio("10")).toBe("0.1");
    expect(percentToRatio("100")).toBe("1");
    expect(percentToRatio("0.0001")).toBe("0.000001");
    expect(percentToRatio("12.3456")).toBe("0.123456");
    expect(percentToRatio("250.5")).toBe("2.505");
    expect(percentToRatio("0")).toBe("0");
  });
  it("refuses what is not a decimal", () => {
    expect(percentToRatio("abc")).toBeNull();
    expect(percentToRatio("1e3")).toBeNull();
  });
});

describe("formatPercentString", () => {
  it("keeps every decimal the API wrote", () => {
    expect(formatPercentString("7.5", "en")).toBe("7.5%");
    expect(formatPercentString("12.3456", "en")).toBe("12.3456%");
    expect(formatPercentString("10", "en")).toBe("10%");
  });
  it("writes Arabic conventions", () => {
    expect(formatPercentString("12.5", "ar-EG")).toMatch(/١٢٫٥/);
  });
  it("shows an unreadable value as it is", () => {
    expect(formatPercentString("x", "en")).toBe("x%");
  });
});

describe("payoutText", () => {
  it("shows an amount for CPA and CPL", () => {
    expect(
      payoutText(
        { payout_model: "cpa", payout_amount: "12.50", payout_percent: null, currency: "USD" },
        "en",
      ),
    ).toBe("$12.50");
  });
  it("shows a percentage for CPS and RevShare", () => {
    expect(
      payoutText({ payout_model: "revshare", payout_percent: "30", currency: "EUR" }, "en"),
    ).toBe("30%");
  });
  it("is null when the payout is missing", () => {
    expect(payoutText({ payout_model: "cps", currency: "USD" }, "en")).toBeNull();
  });
});

describe("countryNames", () => {
  it("names countries in the language", () => {
    expect(countryNames(["SA", "us"], "en")).toEqual(["Saudi Arabia", "United States"]);
    expect(countryNames(["SA"], "ar")[0]).toBe("المملكة العربية السعودية");
  });
  it("keeps a code it cannot name", () => {
    expect(countryNames(["not-a-code"], "en")).toEqual(["not-a-code"]);
  });
});
