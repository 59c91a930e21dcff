import { describe, expect, it } from "vitest";
import {
  addDecimal,
  addMoneyMaps,
  compareDecimal,
  divideDecimal,
  isDecimal,
  trimDecimal,
} from "./decimal";

describe("decimals", () => {
  it("adds exactly", () => {
    expect(addDecimal("0.10", "0.20")).toBe("0.30");
    expect(addDecimal("12.5", "0.0025")).toBe("12.5025");
    expect(addDecimal("90071992547409.93", "0.07")).toBe("90071992547410.00");
    expect(addDecimal("-1.50", "1.25")).toBe("-0.25");
    expect(addDecimal("3", "4")).toBe("7");
  });
  it("compares by value", () => {
    expect(compareDecimal("12.5", "12.50")).toBe(0);
    expect(compareDecimal("12.49", "12.5")).toBe(-1);
    expect(compareDecimal("100", "99.9999")).toBe(1);
  });
  it("divides with half-to-even rounding", () => {
    expect(divideDecimal("60.00", 30, 4)).toBe("2.0000");
    expect(divideDecimal("10.00", 3, 4)).toBe("3.3333");
    expect(divideDecimal("20.00", 3, 4)).toBe("6.6667");
    // Exactly half: to the even neighbour.
    expect(divideDecimal("0.00005", 1, 4)).toBe("0.0000");
    expect(divideDecimal("0.00015", 1, 4)).toBe("0.0002");
    expect(divideDecimal("0.01", 100000, 4)).toBe("0.0000");
    expect(divideDecimal("-10.00", 3, 4)).toBe("-3.3333");
    expect(() => divideDecimal("1", 0, 4)).toThrow();
  });
  it("trims trailing zeros to a minimum scale", () => {
    expect(trimDecimal("0.5000", 2)).toBe("0.50");
    expect(trimDecimal("0.1234", 2)).toBe("0.1234");
    expect(trimDecimal("2.0000", 2)).toBe("2.00");
    expect(trimDecimal("3", 2)).toBe("3.00");
    expect(trimDecimal("3.000", 0)).toBe("3");
  });
  it("checks the form", () => {
    expect(isDecimal("12.50")).toBe(true);
    expect(isDecimal("1e3")).toBe(false);
    expect(isDecimal("12,5")).toBe(false);
    expect(isDecimal("")).toBe(false);
  });
  it("sums money maps by currency", () => {
    expect(addMoneyMaps({ USD: "1.50" }, { USD: "2.25", EUR: "1.00" })).toEqual({
      USD: "3.75",
      EUR: "1.00",
    });
  });
});
