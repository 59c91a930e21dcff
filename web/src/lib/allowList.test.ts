import { describe, expect, it } from "vitest";
import {
  type AtLine,
  allowListErrors,
  allowListText,
  linesText,
  parseAllowList,
} from "./allowList";

describe("parseAllowList", () => {
  it("takes one entry per line, skipping blank lines", () => {
    expect(parseAllowList("203.0.113.0/24\r\n\n  2001:db8::/32 \n10.0.0.1\n")).toEqual({
      entries: ["203.0.113.0/24", "2001:db8::/32", "10.0.0.1"],
      lines: [1, 3, 4],
    });
    expect(parseAllowList("  \n")).toEqual({ entries: [], lines: [] });
  });
});

describe("allowListErrors", () => {
  it("puts each indexed error on the line it came from", () => {
    const sent = parseAllowList("10.0.0.1\n\nnope\n300.1.1.1");
    const errors = allowListErrors(
      {
        "ip_allow[2]": "must be an address or a CIDR network",
        "ip_allow[1]": "must be an address or a CIDR network",
        ip_allow: "must list at most 100 networks",
        name: "must be 1 to 100 characters",
      },
      sent,
    );
    expect(errors).toEqual([
      { line: null, entry: null, message: "must list at most 100 networks" },
      { line: 3, entry: "nope", message: "must be an address or a CIDR network" },
      { line: 4, entry: "300.1.1.1", message: "must be an address or a CIDR network" },
    ]);
  });
});

describe("allowListText", () => {
  it("puts one entry per line, read back as it was", () => {
    const entries = ["203.0.113.0/24", "2001:db8::1"];
    expect(allowListText(entries)).toBe("203.0.113.0/24\n2001:db8::1");
    expect(parseAllowList(allowListText(entries)).entries).toEqual(entries);
    expect(allowListText([])).toBe("");
  });
});

describe("linesText", () => {
  const atLine = (l: AtLine) => `line ${l.line} (${l.entry}): ${l.message}`;
  it("words each error at its line, the list's own as is, one per line", () => {
    expect(
      linesText(
        [
          { line: null, entry: null, message: "must list at most 100 networks" },
          { line: 3, entry: "nope", message: "must be an address or a CIDR network" },
        ],
        atLine,
      ),
    ).toBe("must list at most 100 networks\nline 3 (nope): must be an address or a CIDR network");
  });
  it("is undefined without errors (the field shows none)", () => {
    expect(linesText([], atLine)).toBeUndefined();
  });
});
