// Fraud reasons as the API names them (control-plane/src/fraud/rules.rs: Reason), and the
// `fraud` filter the click and conversion lists take. Their labels are in the common
// namespace: `reasons.label.<code>` (short, for badges), `reasons.hint.<code>` (a sentence),
// `reasons.filter.*` (the filter's choices); FraudBadges (src/components) shows a list, and
// the fraud pages (pages/fraud/lib/display.ts) use the same labels.
import type { Schemas } from "../api/client";

export type FraudReason = Schemas["Reason"];

/** Every reason, in the API's order. */
export const FRAUD_REASONS: readonly FraudReason[] = [
  "datacenter_ip",
  "vpn_ip",
  "click_flood",
  "ip_flood",
  "suspicious_agent",
  "suspended_promoter",
  "ctit_short",
];

/** The reasons a click can have (`ctit_short` is for conversions only). */
export const CLICK_REASONS: readonly FraudReason[] = FRAUD_REASONS.filter(
  (r) => r !== "ctit_short",
);

/**
 * Whether a reason blocks: it keeps a click out of the counts and gets its conversions
 * rejected (or held, on an offer that reviews them). `vpn_ip` is only a signal.
 */
export function reasonBlocks(reason: FraudReason): boolean {
  return reason !== "vpn_ip";
}

export function isFraudReason(text: string): text is FraudReason {
  return (FRAUD_REASONS as readonly string[]).includes(text);
}

/** The lists' `fraud` filter: `any` (flagged for anything, a signal too), `none` (clean), or one reason. */
export type FraudFilter = "any" | "none" | FraudReason;

/**
 * A `fraud` filter from the address: one of `allowed` reasons, `any` or `none`; anything else
 * is ignored (undefined: every row).
 */
export function parseFraudFilter(
  text: string | null,
  allowed: readonly FraudReason[] = FRAUD_REASONS,
): FraudFilter | undefined {
  if (text === "any" || text === "none") return text;
  if (text && (allowed as readonly string[]).includes(text)) return text as FraudReason;
  return undefined;
}
