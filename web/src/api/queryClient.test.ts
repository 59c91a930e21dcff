import { describe, expect, it } from "vitest";
import { ApiError } from "./errors";
import { shouldRetry } from "./queryClient";

describe("shouldRetry", () => {
  const err = (status: number) => new ApiError({ status, code: "x" });
  it("retries network failures, 429 and 5xx twice at most", () => {
    expect(shouldRetry(0, err(0))).toBe(true);
    expect(shouldRetry(1, err(503))).toBe(true);
    expect(shouldRetry(0, err(429))).toBe(true);
    expect(shouldRetry(2, err(503))).toBe(false);
  });
  it("never retries a refusal", () => {
    for (const s of [400, 401, 403, 404, 409, 422]) expect(shouldRetry(0, err(s))).toBe(false);
  });
});
