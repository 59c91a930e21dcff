// API keys: which scopes a role may give a key, the grace periods offered when rotating, and
// what each key's state allows. The rules mirror the control plane's
// (control-plane/src/accounts/rules/role.rs `Scope::allowed_for`, accounts/http/api_keys.rs).
import type { Schemas } from "../../api/client";

export type Scope = Schemas["Scope"];
export type Role = Schemas["Role"];
export type KeyState = Schemas["KeyState"];

/** Every scope, in the order the form lists them. */
export const allScopes: readonly Scope[] = [
  "offers:read",
  "offers:write",
  "links:read",
  "links:write",
  "conversions:write",
  "stats:read",
  "webhooks:read",
  "webhooks:write",
];

/** Whether a user with `role` may give a key this scope (the API refuses the others). */
export function scopeAllowed(scope: Scope, role: Role): boolean {
  switch (scope) {
    case "conversions:write":
    case "offers:write":
      return role === "advertiser" || role === "admin";
    case "links:read":
      return role === "promoter" || role === "admin";
    case "links:write":
      return role === "promoter";
    case "stats:read":
    case "offers:read":
    case "webhooks:read":
    case "webhooks:write":
      return true;
  }
}

/** The scopes a role may choose from, in form order. */
export function scopesFor(role: Role): Scope[] {
  return allScopes.filter((s) => scopeAllowed(s, role));
}

/** The scopes as the form shows them: the chosen ones still allowed, in form order. */
export function toggleScope(chosen: readonly Scope[], scope: Scope, on: boolean): Scope[] {
  const next = new Set(chosen);
  if (on) next.add(scope);
  else next.delete(scope);
  return allScopes.filter((s) => next.has(s));
}

/**
 * The API's messages about the scopes (`scopes`, and `scopes[2]` for one item), joined, for
 * the checkbox group.
 */
export function scopeErrors(fields: Record<string, string>): string | undefined {
  const messages = Object.entries(fields)
    .filter(([k]) => k === "scopes" || /^scopes\[\d+\]$/.test(k))
    .map(([, m]) => m);
  return messages.length > 0 ? messages.join("; ") : undefined;
}

/** How long a rotated key keeps working, as offered (the API takes 0 to 30 days). */
export const graceChoices = [
  { seconds: 0, label: "now" },
  { seconds: 3_600, label: "hour" },
  { seconds: 86_400, label: "day" },
  { seconds: 7 * 86_400, label: "week" },
  { seconds: 30 * 86_400, label: "month" },
] as const;

export type GraceLabel = (typeof graceChoices)[number]["label"];

/** The API's default grace period: one day. */
export const defaultGraceSeconds = 86_400;

/** Only an active key can be rotated (a rotated key already has its successor). */
export function canRotate(state: KeyState): boolean {
  return state === "active";
}

/** A key that still works (active, or rotated and in its grace period) can be revoked. */
export function canRevoke(state: KeyState): boolean {
  return state === "active" || state === "expiring";
}

/**
 * A key that still works (active, or rotated and in its grace period) can have the networks
 * it may be used from changed; a revoked or expired key never works again.
 */
export function canEditNetworks(state: KeyState): boolean {
  return state === "active" || state === "expiring";
}

/** Most networks one key may list (the API's limit). */
export const MAX_IP_ALLOW = 100;

/** The badge class of a key state. */
export function stateBadge(state: KeyState): string {
  switch (state) {
    case "active":
      return "badge badge-ok";
    case "expiring":
      return "badge badge-warn";
    case "revoked":
      return "badge badge-danger";
    case "expired":
      return "badge";
  }
}

/** The translation key of a scope (i18next reads ":" as a namespace separator). */
export const scopeTextKey: Record<Scope, string> = {
  "offers:read": "offersRead",
  "offers:write": "offersWrite",
  "links:read": "linksRead",
  "links:write": "linksWrite",
  "conversions:write": "conversionsWrite",
  "stats:read": "statsRead",
  "webhooks:read": "webhooksRead",
  "webhooks:write": "webhooksWrite",
};
