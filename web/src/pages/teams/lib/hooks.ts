// The team API (control-plane/src/programme/teams/http.rs) as queries and mutations. Every
// change answers with the team or nothing: the page's query is refreshed after each.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, call } from "../../../api/client";
import type { TeamView } from "./team";

export const teamKeys = {
  mine: ["teams", "mine"] as const,
};

/** The caller's team, or null when the caller is in none (the API's 404). */
export function useMyTeam(enabled = true) {
  return useQuery({
    queryKey: teamKeys.mine,
    enabled,
    queryFn: async (): Promise<TeamView | null> => {
      try {
        return await call(api.GET("/v1/teams/mine"));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
}

/** A mutation whose answer (a team, or none) replaces what the page shows. */
function useTeamChange<V>(send: (v: V) => Promise<TeamView | null>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: (team) => {
      qc.setQueryData(teamKeys.mine, team);
      return qc.invalidateQueries({ queryKey: teamKeys.mine });
    },
    // A refusal may mean the team changed meanwhile (removed, handed over): read it again.
    onError: () => qc.invalidateQueries({ queryKey: teamKeys.mine }),
  });
}

export function useCreateTeam() {
  return useTeamChange((name: string) => call(api.POST("/v1/teams", { body: { name } })));
}

export function useJoinTeam() {
  return useTeamChange((invite_code: string) =>
    call(api.POST("/v1/teams/join", { body: { invite_code } })),
  );
}

/** Leaves the team (an owner only as its last member: the team then ends). */
export function useLeaveTeam() {
  return useTeamChange(async (_: undefined) => {
    await call(api.POST("/v1/teams/mine/leave"));
    return null;
  });
}

/** The owner's: removes a member; the team is then read again. */
export function useRemoveMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (promoter_id: number) =>
      call(
        api.DELETE("/v1/teams/mine/members/{promoter_id}", { params: { path: { promoter_id } } }),
      ),
    onSettled: () => qc.invalidateQueries({ queryKey: teamKeys.mine }),
  });
}

export function useHandOver() {
  return useTeamChange((promoter_id: number) =>
    call(api.POST("/v1/teams/mine/owner", { body: { promoter_id } })),
  );
}

export function useRotateCode() {
  return useTeamChange((_: undefined) => call(api.POST("/v1/teams/mine/invite-code/rotate")));
}

export function useDisband() {
  return useTeamChange(async (_: undefined) => {
    await call(api.DELETE("/v1/teams/mine"));
    return null;
  });
}
