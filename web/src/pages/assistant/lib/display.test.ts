import { describe, expect, it } from "vitest";
import {
  directionOf,
  exactNumber,
  figureKind,
  formatFigure,
  isolate,
  signedCount,
  signedMoney,
  signedPercent,
  signedPoints,
  tipNumber,
} from "./display";

describe("changes", () => {
  it("carry their sign, zero none", () => {
    expect(signedCount(12, "en")).toBe("+12");
    expect(signedCount(-1500, "en")).toBe("-1,500");
    expect(signedCount(0, "en")).toBe("0");
    expect(signedPercent(12.5, "en")).toBe("+12.5%");
    expect(signedPercent(-33.33, "en")).toBe("-33.33%");
    expect(signedPoints(0.0012, "en")).toBe("+0.12");
    expect(signedPoints(-0.05, "en")).toBe("-5");
  });
  it("keep amounts exact", () => {
    expect(signedMoney("1.50", "USD", "en")).toBe("+$1.50");
    expect(signedMoney("-0.0250", "USD", "en")).toBe("-$0.0250");
    expect(signedMoney("0.00", "USD", "en")).toBe("$0.00");
    expect(exactNumber("0.0250", "en")).toBe("0.0250");
    expect(exactNumber("12", "ar-EG")).toBe("١٢");
  });
  it("say which way they went", () => {
    expect(directionOf(3)).toBe("up");
    expect(directionOf("-0.50")).toBe("down");
    expect(directionOf(0)).toBe("same");
    expect(directionOf("0.00")).toBe("same");
  });
});

describe("isolate", () => {
  it("isolates a value in a right-to-left sentence only", () => {
    expect(isolate("2026/11/30", "ar")).toBe("\u20682026/11/30\u2069");
    expect(isolate("Nov 30, 2026", "en")).toBe("Nov 30, 2026");
  });
});

describe("figures", () => {
  it("take their unit from their name", () => {
    expect(figureKind("cr", 0.05)).toBe("share");
    expect(figureKind("platform_median_cr", 0.05)).toBe("share");
    expect(figureKind("bot_share", 0.2)).toBe("share");
    expect(figureKind("epc", "0.25")).toBe("money");
    expect(figureKind("platform_median_epc", "0.25")).toBe("money");
    expect(figureKind("offer_id", 7)).toBe("id");
    expect(figureKind("ratio", 0.4)).toBe("ratio");
    expect(figureKind("clicks", 1200)).toBe("number");
    expect(figureKind("z_score", -2.5)).toBe("number");
    expect(figureKind("category", "shopping")).toBe("text");
  });
  it("are written in the language", () => {
    const f = { epc: "0.0250", currency: "USD", share: 0.4, countries: ["SA", "AE"] };
    expect(formatFigure("epc", f.epc, f, "en")).toBe("$0.0250");
    expect(formatFigure("epc", "0.0250", {}, "en")).toBe("0.0250");
    expect(formatFigure("share", 0.4, f, "en")).toBe("40%");
    expect(formatFigure("countries", f.countries, f, "en")).toBe("SA, AE");
    expect(formatFigure("countries", f.countries, f, "ar")).toBe("SA، AE");
    expect(formatFigure("clicks", 1200, f, "en")).toBe("1,200");
    expect(formatFigure("clicks", 1200, f, "ar-EG")).toBe("١٬٢٠٠");
    expect(formatFigure("offer_id", 42, f, "en")).toBe("#42");
    expect(formatFigure("ratio", 0.45, f, "en")).toBe("0.45×");
  });
});

describe("tipNumber", () => {
  it("writes each tip's number in its unit", () => {
    expect(tipNumber("high_bot_share", 0.25, "en")).toBe("25%");
    expect(tipNumber("falling_trend", -40, "en")).toBe("-40%");
    expect(tipNumber("cr_far_below_median", 0.5, "en")).toBe("0.5×");
    expect(tipNumber("no_clicks_7d", 0, "en")).toBe("0");
    expect(tipNumber("a_new_tip", 3, "en")).toBe("3");
  });
});
