import { describe, expect, it } from "vitest";
import {
  anyPending,
  attemptOutcome,
  canRedeliver,
  localToInstant,
  messageBadge,
  messageStatus,
  readablePayload,
  redeliverRange,
  statusFilter,
} from "./messages";

describe("message statuses", () => {
  it("knows the API's three, and nothing else", () => {
    expect(messageStatus("pending")).toBe("pending");
    expect(messageStatus("delivered")).toBe("delivered");
    expect(messageStatus("failed")).toBe("failed");
    expect(messageStatus("sending")).toBe("unknown");
    expect(messageBadge("sending")).toBe("badge");
  });
  it("takes only a known status from the address", () => {
    expect(statusFilter("failed")).toBe("failed");
    expect(statusFilter("FAILED")).toBeUndefined();
    expect(statusFilter(null)).toBeUndefined();
    expect(statusFilter("")).toBeUndefined();
  });
  it("offers a redelivery for delivered and failed messages only", () => {
    expect(canRedeliver("delivered")).toBe(true);
    expect(canRedeliver("failed")).toBe(true);
    expect(canRedeliver("pending")).toBe(false);
    expect(canRedeliver("other")).toBe(false);
  });
  it("says when a message is still pending", () => {
    expect(anyPending([{ status: "delivered" }, { status: "pending" }])).toBe(true);
    expect(anyPending([{ status: "delivered" }, { status: "failed" }])).toBe(false);
    expect(anyPending([])).toBe(false);
  });
});

describe("attemptOutcome", () => {
  it("is ok for 2xx only", () => {
    expect(attemptOutcome({ status_code: 200 })).toBe("ok");
    expect(attemptOutcome({ status_code: 204 })).toBe("ok");
    expect(attemptOutcome({ status_code: 301 })).toBe("http_error");
    expect(attemptOutcome({ status_code: 500 })).toBe("http_error");
    expect(attemptOutcome({ status_code: 199 })).toBe("http_error");
  });
  it("is no_answer without a status (a timeout, a refused address)", () => {
    expect(attemptOutcome({ status_code: null })).toBe("no_answer");
    expect(attemptOutcome({})).toBe("no_answer");
  });
});

describe("readablePayload", () => {
  it("indents a JSON body", () => {
    expect(readablePayload('{"type":"test.ping","data":{"a":1}}')).toBe(
      '{\n  "type": "test.ping",\n  "data": {\n    "a": 1\n  }\n}',
    );
  });
  it("keeps a postback URL and broken JSON as they are", () => {
    const url = "https://t.example/pb?c=1&s=test";
    expect(readablePayload(url)).toBe(url);
    expect(readablePayload('{"type":')).toBe('{"type":');
  });
});

describe("localToInstant", () => {
  it("reads the input in the browser's zone and gives UTC", () => {
    expect(localToInstant("2026-12-05T14:30")).toBe(new Date(2026, 11, 5, 14, 30).toISOString());
    expect(localToInstant("2026-12-05T14:30:15")).toBe(
      new Date(2026, 11, 5, 14, 30, 15).toISOString(),
    );
  });
  it("refuses what is not a datetime-local value", () => {
    expect(localToInstant("")).toBeUndefined();
    expect(localToInstant("2026-12-05")).toBeUndefined();
    expect(localToInstant("2026-13-45T99:99")).toBeUndefined();
    expect(localToInstant("yesterday")).toBeUndefined();
  });
});

describe("redeliverRange", () => {
  it("sends nothing for empty dates (every failed message)", () => {
    expect(redeliverRange("", "")).toEqual({ body: {} });
  });
  it("sends either end alone", () => {
    expect(redeliverRange("2026-12-01T00:00", "")).toEqual({
      body: { from: new Date(2026, 11, 1).toISOString() },
    });
    expect(redeliverRange("", "2026-12-02T00:00")).toEqual({
      body: { to: new Date(2026, 11, 2).toISOString() },
    });
  });
  it("wants the end after the start", () => {
    expect(redeliverRange("2026-12-02T00:00", "2026-12-01T00:00")).toEqual({
      problems: { to: "not_after_from" },
    });
    expect(redeliverRange("2026-12-02T00:00", "2026-12-02T00:00")).toEqual({
      problems: { to: "not_after_from" },
    });
  });
  it("names the field it cannot read", () => {
    expect(redeliverRange("soon", "")).toEqual({ problems: { from: "invalid" } });
    expect(redeliverRange("2026-12-01T00:00", "later")).toEqual({ problems: { to: "invalid" } });
  });
});
