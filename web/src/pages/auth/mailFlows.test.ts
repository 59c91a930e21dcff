import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/errors";
import { confirmProblem, isDeadLink, tokenFrom } from "./mailFlows";

describe("tokenFrom", () => {
  it("reads the token of the link", () => {
    expect(tokenFrom(new URLSearchParams("token=abc-_DEF123"))).toBe("abc-_DEF123");
  });
  it("is null when the link lost it", () => {
    expect(tokenFrom(new URLSearchParams(""))).toBeNull();
    expect(tokenFrom(new URLSearchParams("token=%20"))).toBeNull();
  });
});

describe("isDeadLink", () => {
  it("knows the API's invalid_token", () => {
    expect(isDeadLink(new ApiError({ status: 400, code: "invalid_token" }))).toBe(true);
    expect(isDeadLink(new ApiError({ status: 429, code: "rate_limited" }))).toBe(false);
    expect(isDeadLink(new Error("x"))).toBe(false);
  });
});

describe("confirmProblem", () => {
  it("is a field error on confirm when the passwords differ", () => {
    const e = confirmProblem("one-password", "another-one", "differ");
    expect(e?.fields).toEqual({ confirm: "differ" });
    expect(confirmProblem("same-password", "same-password", "differ")).toBeUndefined();
  });
});
