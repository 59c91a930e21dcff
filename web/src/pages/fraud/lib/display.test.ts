import { describe, expect, it } from "vitest";
import arFraud from "../../../i18n/ar/fraud";
import enFraud from "../../../i18n/en/fraud";
import {
  barLengths,
  bucketKey,
  filterGroups,
  firstOf,
  formatShare,
  formatZ,
  isVerdict,
  levelTone,
  reasonKey,
  verdicts,
} from "./display";

describe("reason labels", () => {
  it("names every verdict and fraud reason, and nothing else", () => {
    for (const code of ["bot", "expired"]) {
      expect(reasonKey(code)).toBe(`fraud:verdicts.${code}`);
    }
    // A reason's label is its badges' one, in the common namespace.
    for (const code of ["datacenter_ip", "vpn_ip", "ctit_short"]) {
      expect(reasonKey(code)).toBe(`common:reasons.label.${code}`);
    }
    expect(reasonKey("quantum_ip")).toBeNull();
    expect(reasonKey("")).toBeNull();
  });
  it("has every verdict's label in both languages", () => {
    for (const fraud of [enFraud, arFraud]) {
      for (const v of verdicts) expect(fraud.verdicts[v]).toBeTruthy();
    }
  });
  it("tells the edge's verdicts from fraud reasons", () => {
    expect(isVerdict("geo_blocked")).toBe(true);
    expect(isVerdict("ip_flood")).toBe(false);
  });
  it("tones a level (its text says it too)", () => {
    expect(levelTone("low")).toBe("badge-ok");
    expect(levelTone("medium")).toBe("badge-warn");
    expect(levelTone("high")).toBe("badge-danger");
  });
});

describe("formatShare", () => {
  it("writes a percentage with at most one decimal", () => {
    expect(formatShare(0, "en")).toBe("0%");
    expect(formatShare(0.1234, "en")).toBe("12.3%");
    expect(formatShare(1, "en")).toBe("100%");
    expect(formatShare(0.001, "en")).toBe("0.1%");
  });
  it("never writes a share too small to show as 0%", () => {
    expect(formatShare(0.0001, "en")).toBe("<0.1%");
  });
  it("follows the language", () => {
    expect(formatShare(0.5, "ar")).toMatch(/50|٥٠/);
  });
});

describe("formatZ", () => {
  it("signs a z-score and keeps two decimals", () => {
    expect(formatZ(3.214, "en")).toBe("+3.21");
    expect(formatZ(-0.5, "en")).toBe("-0.50");
    expect(formatZ(0, "en")).toBe("0.00");
  });
});

describe("bucketKey", () => {
  it("labels each histogram bucket by its lower bound", () => {
    expect(bucketKey({ from_seconds: null })).toBe("ctit.buckets.under10s");
    expect(bucketKey({})).toBe("ctit.buckets.under10s");
    expect(bucketKey({ from_seconds: 10 })).toBe("ctit.buckets.s10to60");
    expect(bucketKey({ from_seconds: 86400 })).toBe("ctit.buckets.h24plus");
    expect(bucketKey({ from_seconds: 5 })).toBeNull();
  });
});

describe("barLengths", () => {
  it("makes the largest full and keeps small ones visible", () => {
    expect(barLengths([0, 1, 50, 100])).toEqual([0, 2, 50, 100]);
    expect(barLengths([3, 6])).toEqual([50, 100]);
  });
  it("draws nothing without values", () => {
    expect(barLengths([0, 0])).toEqual([0, 0]);
    expect(barLengths([])).toEqual([]);
  });
});

describe("firstOf", () => {
  it("keeps the first n and counts the rest", () => {
    expect(firstOf([1, 2, 3], 2)).toEqual({ shown: [1, 2], more: 1 });
    expect(firstOf([1], 2)).toEqual({ shown: [1], more: 0 });
  });
});

describe("filterGroups", () => {
  it("splits link checks from fraud reasons, in order, with bars against the largest", () => {
    const rows = [
      { reason: "bot", clicks: 10 },
      { reason: "datacenter_ip", clicks: 5 },
      { reason: "geo_blocked", clicks: 0 },
      { reason: "new_reason", clicks: 1 },
    ];
    expect(filterGroups(rows)).toEqual([
      {
        name: "verdicts",
        rows: [
          { reason: "bot", clicks: 10, bar: 100 },
          { reason: "geo_blocked", clicks: 0, bar: 0 },
        ],
      },
      {
        name: "fraud",
        rows: [
          { reason: "datacenter_ip", clicks: 5, bar: 50 },
          { reason: "new_reason", clicks: 1, bar: 10 },
        ],
      },
    ]);
  });
  it("leaves out an empty group", () => {
    expect(filterGroups([{ reason: "vpn_ip", clicks: 0 }]).map((g) => g.name)).toEqual(["fraud"]);
    expect(filterGroups([])).toEqual([]);
  });
});
