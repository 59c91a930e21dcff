import { describe, expect, it } from "vitest";
import { buildSubIdUrl, overLimit, SUB_MAX_BYTES, utf8Length } from "./subIds";

const base = "https://go.example.com/c/AQEBAQ";

describe("buildSubIdUrl", () => {
  it("leaves the link alone without sub-IDs", () => {
    expect(buildSubIdUrl(base, {})).toBe(base);
    expect(buildSubIdUrl(base, { sub1: "", sub2: "   " })).toBe(base);
  });
  it("adds sub-IDs in order sub1…sub5, whatever order they are given in", () => {
    expect(buildSubIdUrl(base, { sub3: "c", sub1: "a", sub5: "e" })).toBe(
      `${base}?sub1=a&sub3=c&sub5=e`,
    );
  });
  it("percent-encodes values with encodeURIComponent (space as %20, not +)", () => {
    expect(buildSubIdUrl(base, { sub1: "spring sale&x=1", sub2: "قناة/1?#" })).toBe(
      `${base}?sub1=spring%20sale%26x%3D1&sub2=${encodeURIComponent("قناة/1?#")}`,
    );
  });
  it("trims values", () => {
    expect(buildSubIdUrl(base, { sub1: "  tiktok  " })).toBe(`${base}?sub1=tiktok`);
  });
  it("keeps the link's own parameters and fragment, replacing a sub-ID it has", () => {
    expect(buildSubIdUrl(`${base}?x=1&sub1=old#top`, { sub1: "new", sub2: "b" })).toBe(
      `${base}?x=1&sub1=new&sub2=b#top`,
    );
    expect(buildSubIdUrl(`${base}?x=1`, {})).toBe(`${base}?x=1`);
  });
});

describe("sub-ID length", () => {
  it("counts UTF-8 bytes, not characters", () => {
    expect(utf8Length("abc")).toBe(3);
    expect(utf8Length("é")).toBe(2);
    expect(utf8Length("ع")).toBe(2);
    expect(utf8Length("😀")).toBe(4);
  });
  it("flags the values the edge would cut", () => {
    const ok = "a".repeat(SUB_MAX_BYTES);
    const long = "ع".repeat(65); // 130 bytes, 65 characters
    expect(overLimit({ sub1: ok, sub2: long, sub4: `${ok}b` })).toEqual(["sub2", "sub4"]);
    expect(overLimit({})).toEqual([]);
  });
});
