import { describe, expect, it } from "vitest";
import { formatPercentText, shiftLeft2 } from "./format";

describe("percentages", () => {
  it("moves the point exactly", () => {
    expect(shiftLeft2("7.5")).toBe("0.075");
    expect(shiftLeft2("100")).toBe("1.00");
    expect(shiftLeft2("0.0001")).toBe("0.000001");
    expect(shiftLeft2("12.3456")).toBe("0.123456");
  });
  it("formats in the language", () => {
    expect(formatPercentText("7.5", "en")).toBe("7.5%");
    expect(formatPercentText("12.3456", "en")).toBe("12.3456%");
    expect(formatPercentText("100", "en")).toBe("100%");
    expect(formatPercentText("7.5", "ar")).toContain("7.5");
  });
});
