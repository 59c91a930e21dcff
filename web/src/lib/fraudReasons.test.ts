import { describe, expect, it } from "vitest";
import arCommon from "../i18n/ar/common";
import enCommon from "../i18n/en/common";
import {
  CLICK_REASONS,
  FRAUD_REASONS,
  isFraudReason,
  parseFraudFilter,
  reasonBlocks,
} from "./fraudReasons";

describe("fraud reasons", () => {
  it("only a VPN is a signal", () => {
    expect(FRAUD_REASONS.filter((r) => !reasonBlocks(r))).toEqual(["vpn_ip"]);
  });
  it("clicks have every reason but ctit_short", () => {
    expect(CLICK_REASONS).toHaveLength(FRAUD_REASONS.length - 1);
    expect(CLICK_REASONS).not.toContain("ctit_short");
  });
  it("reads the fraud filter: any, none or an allowed reason", () => {
    expect(parseFraudFilter("any")).toBe("any");
    expect(parseFraudFilter("none")).toBe("none");
    expect(parseFraudFilter("ctit_short")).toBe("ctit_short");
    expect(parseFraudFilter("ctit_short", CLICK_REASONS)).toBeUndefined();
    expect(parseFraudFilter("ANY")).toBeUndefined();
    expect(parseFraudFilter("")).toBeUndefined();
    expect(parseFraudFilter(null)).toBeUndefined();
    expect(isFraudReason("ip_flood")).toBe(true);
    expect(isFraudReason("bot")).toBe(false);
  });
  it("every reason has a label and a hint in both languages", () => {
    for (const common of [enCommon, arCommon]) {
      for (const r of FRAUD_REASONS) {
        expect(common.reasons.label[r]).toBeTruthy();
        expect(common.reasons.hint[r]).toBeTruthy();
      }
    }
  });
});
