import { describe, expect, it } from "vitest";
import { encodeValue, fillMacros, type MacroValues, sampleValues, unknownMacros } from "./macros";

const values: MacroValues = {
  click_id: "0190a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b",
  offer_id: "7",
  promoter_id: "42",
  sub1: "a b&c=d/é",
  sub2: "x",
  sub3: "",
  sub4: "",
  sub5: "~._-",
  country: "SA",
  ts: "1764000000000",
};

describe("fillMacros", () => {
  it("fills every macro", () => {
    expect(
      fillMacros(
        "https://shop.example/l?c={click_id}&o={offer_id}&p={promoter_id}&s={sub1}&s2={sub2}&s3={sub3}&s5={sub5}&g={country}&t={ts}",
        values,
      ),
    ).toBe(
      "https://shop.example/l?c=0190a3b2-7c4d-7e8f-9a0b-1c2d3e4f5a6b&o=7&p=42&s=a%20b%26c%3Dd%2F%C3%A9&s2=x&s3=&s5=~._-&g=SA&t=1764000000000",
    );
  });
  it("percent-encodes everything but unreserved characters", () => {
    expect(encodeValue("!'()*")).toBe("%21%27%28%29%2A");
    expect(encodeValue("Az09-._~")).toBe("Az09-._~");
    expect(encodeValue("ع")).toBe("%D8%B9");
  });
  it("leaves unknown and malformed braces as they are", () => {
    expect(fillMacros("https://x.example/{clickid}/{click_id}", values)).toBe(
      `https://x.example/{clickid}/${values.click_id}`,
    );
    expect(fillMacros("https://x.example/{{sub2}}", values)).toBe("https://x.example/{x}");
    expect(fillMacros("https://x.example/{sub2", values)).toBe("https://x.example/{sub2");
    expect(fillMacros("https://x.example/}{", values)).toBe("https://x.example/}{");
    // A name longer than any macro is text, even when it ends in one.
    expect(fillMacros("https://x.example/{aaaaaaaaaaaaaaaaaaaaa}", values)).toBe(
      "https://x.example/{aaaaaaaaaaaaaaaaaaaaa}",
    );
    expect(fillMacros("https://x.example/{SUB2}", values)).toBe("https://x.example/{SUB2}");
  });
  it("encodes spaces and non-ASCII in the template's own text", () => {
    expect(fillMacros("https://x.example/a b/é?q={sub2}", values)).toBe(
      "https://x.example/a%20b/%C3%A9?q=x",
    );
  });
  it("fills an empty country with nothing", () => {
    expect(fillMacros("https://x.example/?g={country}", { ...values, country: "" })).toBe(
      "https://x.example/?g=",
    );
  });
});

describe("unknownMacros", () => {
  it("lists braces that are not macros, once each", () => {
    expect(unknownMacros("https://x.example/{clickid}?a={click_id}&b={clickid}&c={foo}")).toEqual([
      "{clickid}",
      "{foo}",
    ]);
    expect(unknownMacros("https://x.example/{click_id}")).toEqual([]);
  });
});

describe("sampleValues", () => {
  it("uses the offer's id and the time given", () => {
    const v = sampleValues(99, new Date(1764000000000));
    expect(v.offer_id).toBe("99");
    expect(v.ts).toBe("1764000000000");
    expect(sampleValues(undefined, new Date(0)).offer_id).toBe("123");
  });
});
