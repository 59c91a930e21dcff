import { describe, expect, it } from "vitest";
import { csvField, joinCsvPages, toCsv } from "./csv";

describe("csvField", () => {
  it("leaves plain texts and numbers as they are", () => {
    expect(csvField("hello")).toBe("hello");
    expect(csvField("12.50")).toBe("12.50");
    expect(csvField(42)).toBe("42");
    expect(csvField(0.0123)).toBe("0.0123");
    expect(csvField("مرحبا")).toBe("مرحبا");
  });
  it("writes nothing for missing values and non-finite numbers", () => {
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
    expect(csvField(Number.NaN)).toBe("");
    expect(csvField(Number.POSITIVE_INFINITY)).toBe("");
    expect(csvField("")).toBe("");
  });
  it("quotes fields with commas, quotes and line breaks (RFC 4180)", () => {
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("line1\nline2")).toBe('"line1\nline2"');
    expect(csvField("line1\r\nline2")).toBe('"line1\r\nline2"');
    expect(csvField('"')).toBe('""""');
  });
  it("guards texts a spreadsheet would run as formulas", () => {
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+33 6 12")).toBe("'+33 6 12");
    expect(csvField("-2")).toBe("'-2");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\tx")).toBe("'\tx");
    // The guard comes first, then the quoting the guarded text needs.
    expect(csvField("\r=x")).toBe('"\'\r=x"');
    expect(csvField('=HYPERLINK("http://x","y")')).toBe('"\'=HYPERLINK(""http://x"",""y"")"');
  });
  it("guards only the start of a text", () => {
    expect(csvField("a=b")).toBe("a=b");
    expect(csvField("sub-1")).toBe("sub-1");
  });
  it("keeps the sign of negative numbers", () => {
    expect(csvField(-3)).toBe("-3");
  });
});

describe("toCsv", () => {
  it("joins fields with commas and ends every line with CRLF", () => {
    expect(
      toCsv([
        ["period", "clicks"],
        ["2026-11-24", 3],
        ["a,b", null],
      ]),
    ).toBe('period,clicks\r\n2026-11-24,3\r\n"a,b",\r\n');
  });
  it("writes an empty document for no rows", () => {
    expect(toCsv([])).toBe("");
  });
});

describe("joinCsvPages", () => {
  const header = "id,ts,status\r\n";
  it("keeps the header once and every row in order", () => {
    expect(joinCsvPages([`${header}a,1,x\r\n`, `${header}b,2,y\r\n`, `${header}c,3,z\r\n`])).toBe(
      `${header}a,1,x\r\nb,2,y\r\nc,3,z\r\n`,
    );
  });
  it("adds nothing for a page without rows", () => {
    expect(joinCsvPages([`${header}a,1,x\r\n`, header])).toBe(`${header}a,1,x\r\n`);
    expect(joinCsvPages([header])).toBe(header);
    expect(joinCsvPages([])).toBe("");
  });
});
