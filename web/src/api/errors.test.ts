import { describe, expect, it } from "vitest";
import { fieldErrors, toApiError } from "./errors";

describe("toApiError", () => {
  it("keeps the problem's code, status, detail and fields", () => {
    const e = toApiError(422, {
      type: "urn:afftok:problem:validation_failed",
      title: "Validation failed",
      status: 422,
      detail: "2 fields are invalid",
      code: "validation_failed",
      errors: [
        { field: "email", message: "is not an email address" },
        { field: "password", message: "must be at least 10 characters" },
      ],
    });
    expect(e.status).toBe(422);
    expect(e.code).toBe("validation_failed");
    expect(e.message).toBe("2 fields are invalid");
    expect(e.fields).toEqual({
      email: "is not an email address",
      password: "must be at least 10 characters",
    });
  });

  it("makes a problem up when the body is not one", () => {
    const e = toApiError(502, "<html>bad gateway</html>");
    expect(e.status).toBe(502);
    expect(e.code).toBe("server_error");
    expect(e.fields).toEqual({});
    const f = toApiError(404, null);
    expect(f.code).toBe("http_error");
  });

  it("reads Retry-After seconds", () => {
    const h = new Headers({ "retry-after": "7" });
    const e = toApiError(429, { status: 429, code: "rate_limited" }, h);
    expect(e.retryAfterSecs).toBe(7);
    expect(toApiError(429, { status: 429, code: "rate_limited" }).retryAfterSecs).toBeUndefined();
  });

  it("marks 401 and 403", () => {
    expect(toApiError(403, { status: 403, code: "forbidden" }).forbidden).toBe(true);
    expect(toApiError(401, { status: 401, code: "unauthorized" }).unauthorized).toBe(true);
  });
});

describe("fieldErrors", () => {
  it("joins two messages for one field", () => {
    expect(
      fieldErrors({
        status: 422,
        code: "validation_failed",
        errors: [
          { field: "geo_allow[1]", message: "is not a country" },
          { field: "geo_allow[1]", message: "is listed twice" },
        ],
      }),
    ).toEqual({ "geo_allow[1]": "is not a country; is listed twice" });
  });
});
