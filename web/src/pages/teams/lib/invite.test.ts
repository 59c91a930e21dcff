import { describe, expect, it } from "vitest";
import { codeFromSearch, displayCode, inviteLink, JOIN_PATH, normaliseCode } from "./invite";

describe("normaliseCode", () => {
  it("drops spaces and dashes and upper-cases, as the API does", () => {
    expect(normaliseCode(" abcd-efgh 23 ")).toBe("ABCDEFGH23");
    expect(normaliseCode("ABCDE-FGH23")).toBe("ABCDEFGH23");
    expect(normaliseCode("")).toBe("");
  });
});

describe("displayCode", () => {
  it("groups a code by five", () => {
    expect(displayCode("ABCDEFGH23")).toBe("ABCDE-FGH23");
    expect(displayCode("abcde-fgh23")).toBe("ABCDE-FGH23");
    expect(displayCode("ABC")).toBe("ABC");
    expect(displayCode("ABCDEFGHJKLMN")).toBe("ABCDE-FGHJK-LMN");
  });
});

describe("invite links", () => {
  it("points at the join page with the plain code", () => {
    expect(inviteLink("https://app.example", "abcde-fgh23")).toBe(
      `https://app.example${JOIN_PATH}?code=ABCDEFGH23`,
    );
  });
  it("reads back the code it wrote", () => {
    const url = new URL(inviteLink("http://127.0.0.1:8080", "ABCDEFGH23"));
    expect(codeFromSearch(url.search)).toBe("ABCDEFGH23");
  });
  it("tidies a code typed into the address", () => {
    expect(codeFromSearch("?code=abcde-fgh23")).toBe("ABCDEFGH23");
    expect(codeFromSearch("?code=abcde%20fgh23&x=1")).toBe("ABCDEFGH23");
  });
  it("is null without a code or with something that is not one", () => {
    expect(codeFromSearch("")).toBeNull();
    expect(codeFromSearch("?code=")).toBeNull();
    expect(codeFromSearch("?code=%3Cscript%3E")).toBeNull();
    expect(codeFromSearch("?other=ABC")).toBeNull();
  });
});
