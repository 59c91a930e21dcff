import { describe, expect, it } from "vitest";
import {
  allScopes,
  canEditNetworks,
  canRevoke,
  canRotate,
  graceChoices,
  scopeAllowed,
  scopeErrors,
  scopesFor,
  toggleScope,
} from "./keys";

describe("scopes by role", () => {
  it("gives promoters their links, never offers:write or conversions:write", () => {
    expect(scopesFor("promoter")).toEqual([
      "offers:read",
      "links:read",
      "links:write",
      "stats:read",
      "webhooks:read",
      "webhooks:write",
    ]);
  });
  it("gives advertisers offers and conversions, never links", () => {
    expect(scopesFor("advertiser")).toEqual([
      "offers:read",
      "offers:write",
      "conversions:write",
      "stats:read",
      "webhooks:read",
      "webhooks:write",
    ]);
  });
  it("gives admins everything but links:write (joining offers is a promoter's act)", () => {
    expect(scopesFor("admin")).toEqual(allScopes.filter((s) => s !== "links:write"));
    expect(scopeAllowed("links:write", "admin")).toBe(false);
  });
  it("lists every scope once", () => {
    expect(new Set(allScopes).size).toBe(8);
  });
});

describe("toggleScope", () => {
  it("adds and removes, keeping the form's order", () => {
    let s = toggleScope([], "stats:read", true);
    s = toggleScope(s, "offers:read", true);
    expect(s).toEqual(["offers:read", "stats:read"]);
    expect(toggleScope(s, "offers:read", false)).toEqual(["stats:read"]);
    expect(toggleScope(s, "stats:read", true)).toEqual(["offers:read", "stats:read"]);
  });
});

describe("scopeErrors", () => {
  it("joins the group's and the items' messages", () => {
    expect(
      scopeErrors({
        name: "must be 1 to 100 characters",
        "scopes[1]": "links:write is not available to advertiser accounts",
      }),
    ).toBe("links:write is not available to advertiser accounts");
    expect(scopeErrors({ scopes: "must name at least one scope" })).toBe(
      "must name at least one scope",
    );
    expect(scopeErrors({ name: "x" })).toBeUndefined();
  });
});

describe("key states", () => {
  it("rotates only active keys and revokes keys that still work", () => {
    expect(canRotate("active")).toBe(true);
    expect(canRotate("expiring")).toBe(false);
    expect(canRevoke("expiring")).toBe(true);
    expect(canRevoke("expired")).toBe(false);
    expect(canRevoke("revoked")).toBe(false);
  });
  it("edits the networks of keys that still work, never of revoked or expired ones", () => {
    expect(canEditNetworks("active")).toBe(true);
    expect(canEditNetworks("expiring")).toBe(true);
    expect(canEditNetworks("revoked")).toBe(false);
    expect(canEditNetworks("expired")).toBe(false);
  });
  it("offers grace periods within what the API takes (0 to 30 days)", () => {
    for (const g of graceChoices) {
      expect(g.seconds).toBeGreaterThanOrEqual(0);
      expect(g.seconds).toBeLessThanOrEqual(2_592_000);
    }
  });
});
