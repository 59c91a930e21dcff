// What the team page decides from a team: who may do what, and the members in the order
// they are shown.
import type { Schemas } from "../../../api/client";

export type TeamView = Schemas["TeamView"];
export type MemberView = Schemas["MemberView"];

/** Whether the signed-in promoter owns the team. */
export function isOwner(team: Pick<TeamView, "owner_id">, me: number): boolean {
  return team.owner_id === me;
}

/** The members the owner may remove or hand the team to: everyone but the owner. */
export function othersThanOwner(team: Pick<TeamView, "owner_id" | "members">): MemberView[] {
  return team.members.filter((m) => m.promoter_id !== team.owner_id);
}

/** The members, the owner first, then in the order they joined (the API's order). */
export function ownerFirst(team: Pick<TeamView, "owner_id" | "members">): MemberView[] {
  const owner = team.members.filter((m) => m.promoter_id === team.owner_id);
  return [...owner, ...othersThanOwner(team)];
}

/** The API refusals the team page puts in words of its own. */
export const TEAM_ERRORS = [
  "already_in_team",
  "team_name_taken",
  "team_full",
  "owner_must_hand_over",
  "not_found",
  "forbidden",
] as const;
export type TeamErrorCode = (typeof TEAM_ERRORS)[number];

/** A refusal's stable code, if the page has words for it. */
export function teamErrorCode(code: string): TeamErrorCode | null {
  return (TEAM_ERRORS as readonly string[]).includes(code) ? (code as TeamErrorCode) : null;
}
