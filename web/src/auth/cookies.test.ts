import { describe, expect, it } from "vitest";
import { readCookie } from "./cookies";

describe("readCookie", () => {
  it("finds a cookie among others", () => {
    expect(readCookie("afftok_csrf", "a=1; afftok_csrf=abc-_9; b=2")).toBe("abc-_9");
  });
  it("does not match a cookie whose name only ends with the name", () => {
    expect(readCookie("csrf", "afftok_csrf=x")).toBeUndefined();
  });
  it("is undefined without cookies", () => {
    expect(readCookie("afftok_csrf", "")).toBeUndefined();
  });
  it("decodes percent-encoding", () => {
    expect(readCookie("n", "n=a%20b")).toBe("a b");
  });
});
