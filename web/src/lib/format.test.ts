import { describe, expect, it } from "vitest";
import { addDays, dayIn, isDay, presetRange } from "./dates";
import { formatMoney, formatMoneyMap, formatNumber, formatPercent, formatPeriod } from "./format";

describe("money", () => {
  it("formats exact decimal strings without rounding", () => {
    expect(formatMoney("12.50", "USD", "en")).toBe("$12.50");
    expect(formatMoney("1234567.8901", "KWD", "en")).toBe("KWD\u00a01,234,567.8901");
    // More digits than a double holds exactly.
    expect(formatMoney("90071992547409.93", "USD", "en")).toBe("$90,071,992,547,409.93");
  });
  it("uses Arabic conventions in Arabic", () => {
    // CLDR's Arabic puts the currency after the amount, marked right-to-left.
    const s = formatMoney("12.50", "USD", "ar");
    expect(s).toContain("12.50");
    expect(s).toContain("US$");
    expect(s.startsWith("\u200f")).toBe(true);
    // A region that writes Arabic-Indic digits gets them.
    expect(formatMoney("12.50", "EGP", "ar-EG")).toMatch(/[٠-٩]/);
  });
  it("falls back for a code Intl refuses", () => {
    expect(formatMoney("3.00", "X1", "en")).toBe("3.00 X1");
  });
  it("joins currencies in order", () => {
    expect(formatMoneyMap({ USD: "1.00", EUR: "2.00" }, "en")).toBe("€2.00 · $1.00");
    expect(formatMoneyMap({}, "en")).toBe("0");
  });
});

describe("numbers", () => {
  it("groups thousands per locale", () => {
    expect(formatNumber(1234567, "en")).toBe("1,234,567");
    expect(formatNumber(1234567, "ar-EG")).toBe("١٬٢٣٤٬٥٦٧");
  });
  it("writes ratios as percentages", () => {
    expect(formatPercent(0.0123, "en")).toBe("1.23%");
    expect(formatPercent(0, "en")).toBe("0%");
  });
});

describe("periods", () => {
  it("formats the wall time the API gave, with no zone shift", () => {
    expect(formatPeriod("2026-11-24", "day", "en")).toBe("Nov 24, 2026");
    expect(formatPeriod("2026-11-24T13:00", "hour", "en")).toBe("Nov 24, 01:00 PM");
    expect(formatPeriod("2026-11-01", "month", "en")).toBe("November 2026");
    expect(formatPeriod("garbage", "day", "en")).toBe("garbage");
  });
});

describe("day ranges", () => {
  it("takes the day in the given zone", () => {
    const t = new Date("2026-11-24T23:30:00Z");
    expect(dayIn(t, "UTC")).toBe("2026-11-24");
    expect(dayIn(t, "Asia/Riyadh")).toBe("2026-11-25");
    expect(dayIn(t, "America/Los_Angeles")).toBe("2026-11-24");
  });
  it("adds days across months and leap years", () => {
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2028-03-01", -1)).toBe("2028-02-29");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
  });
  it("makes presets ending today", () => {
    const t = new Date("2026-11-24T12:00:00Z");
    expect(presetRange("today", t, "UTC")).toEqual({ from: "2026-11-24", to: "2026-11-24" });
    expect(presetRange("7d", t, "UTC")).toEqual({ from: "2026-11-18", to: "2026-11-24" });
    expect(presetRange("30d", t, "UTC")).toEqual({ from: "2026-10-26", to: "2026-11-24" });
  });
  it("checks days", () => {
    expect(isDay("2026-11-24")).toBe(true);
    expect(isDay("2026-13-01")).toBe(false);
    expect(isDay("24/11/2026")).toBe(false);
  });
});
