import { describe, expect, it } from "vitest";
import { isOwner, othersThanOwner, ownerFirst, teamErrorCode } from "./team";

const member = (promoter_id: number) => ({
  promoter_id,
  display_name: `P${promoter_id}`,
  joined_at: "2026-12-01T00:00:00Z",
  points: promoter_id * 10,
});

describe("team roles", () => {
  const team = { owner_id: 7, members: [member(3), member(7), member(9)] };
  it("knows the owner", () => {
    expect(isOwner(team, 7)).toBe(true);
    expect(isOwner(team, 3)).toBe(false);
  });
  it("lists the others for the owner's actions", () => {
    expect(othersThanOwner(team).map((m) => m.promoter_id)).toEqual([3, 9]);
  });
  it("shows the owner first, the others in the order they joined", () => {
    expect(ownerFirst(team).map((m) => m.promoter_id)).toEqual([7, 3, 9]);
    expect(ownerFirst({ owner_id: 1, members: [] })).toEqual([]);
  });
});

describe("teamErrorCode", () => {
  it("knows the team refusals and nothing else", () => {
    expect(teamErrorCode("owner_must_hand_over")).toBe("owner_must_hand_over");
    expect(teamErrorCode("team_full")).toBe("team_full");
    expect(teamErrorCode("validation_failed")).toBeNull();
    expect(teamErrorCode("toString")).toBeNull();
  });
});
