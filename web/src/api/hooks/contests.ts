// The contests API (control-plane/src/programme/contests/http.rs) as queries and mutations.
// Every change answers with the contest (or nothing): the contest's query takes the answer
// and the lists are read again.
import {
  keepPreviousData,
  useInfiniteQuery,
  useMutation,
  useQuery,
  useQueryClient,
} from "@tanstack/react-query";
import { api, call, type Schemas } from "../client";

export type ContestView = Schemas["ContestView"];
export type ContestStatus = Schemas["Status"];
export type ContestKind = Schemas["Kind"];
export type ContestMetric = Schemas["Metric"];
export type NewContest = Schemas["NewContest"];
export type ContestChanges = Schemas["ContestChanges"];
export type StandingsPage = Schemas["StandingsPage"];
export type StandingView = Schemas["StandingView"];
export type PrizeView = Schemas["PrizeView"];

/** Which contests a list shows (the API's filters). */
export interface ContestFilter {
  status?: ContestStatus | undefined;
  /** Promoters: only the contests they (or their team) entered. */
  mine?: boolean | undefined;
}

export const contestKeys = {
  all: ["contests"] as const,
  lists: ["contests", "list"] as const,
  list: (f: ContestFilter) => ["contests", "list", f.status ?? "any", f.mine ?? false] as const,
  one: (id: number) => ["contests", "one", id] as const,
  standings: (id: number) => ["contests", "standings", id] as const,
};

/** Contests, newest first, a page at a time (what the caller may see: the API decides). */
export function useContests(f: ContestFilter) {
  return useInfiniteQuery({
    queryKey: contestKeys.list(f),
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/contests", {
          params: {
            query: {
              ...(f.status ? { status: f.status } : {}),
              ...(f.mine ? { mine: true } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    placeholderData: keepPreviousData,
  });
}

/**
 * How soon to read a contest again: the API's tick starts and finishes contests a moment
 * after their time, so one whose start or end has passed is read again soon; a published one
 * every `refreshMs`; a draft, finished or cancelled one not by itself.
 */
export function contestRefresh(
  c: Pick<ContestView, "status" | "starts_at" | "ends_at"> | undefined,
  now: number,
  refreshMs: number,
): number | false {
  if (!c) return false;
  if (c.status === "scheduled" && now >= Date.parse(c.starts_at)) return 2_000;
  if (c.status === "running" && now >= Date.parse(c.ends_at)) return 10_000;
  return c.status === "scheduled" || c.status === "running" ? refreshMs : false;
}

/** A contest; with `refreshMs`, read again while it may change by itself (contestRefresh). */
export function useContest(id: number, refreshMs: number | false = false, enabled = true) {
  return useQuery({
    queryKey: contestKeys.one(id),
    enabled,
    queryFn: () => call(api.GET("/v1/contests/{id}", { params: { path: { id } } })),
    refetchInterval: (q) =>
      refreshMs === false ? false : contestRefresh(q.state.data, Date.now(), refreshMs),
  });
}

/**
 * The standings by rank, a page at a time, with the caller's own place (`mine`, on every
 * page). Live ones are read again every `refreshMs`; a cancelled contest has none (`enabled`).
 */
export function useStandings(id: number, enabled: boolean, refreshMs: number | false) {
  return useInfiniteQuery({
    queryKey: contestKeys.standings(id),
    enabled,
    queryFn: ({ pageParam }) =>
      call(
        api.GET("/v1/contests/{id}/standings", {
          params: { path: { id }, query: pageParam ? { cursor: pageParam } : {} },
        }),
      ),
    initialPageParam: "",
    getNextPageParam: (last) => last.next_cursor ?? undefined,
    refetchInterval: refreshMs,
  });
}

/** A change whose answer is the contest: it replaces the contest's query; lists are stale. */
function useContestChange<V>(send: (v: V) => Promise<ContestView>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSuccess: (c) => {
      qc.setQueryData(contestKeys.one(c.id), c);
      return Promise.all([
        qc.invalidateQueries({ queryKey: contestKeys.lists }),
        qc.invalidateQueries({ queryKey: contestKeys.standings(c.id) }),
      ]);
    },
  });
}

export function useCreateContest() {
  return useContestChange((body: NewContest) => call(api.POST("/v1/contests", { body })));
}

export function useUpdateContest(id: number) {
  return useContestChange((body: ContestChanges) =>
    call(api.PATCH("/v1/contests/{id}", { params: { path: { id } }, body })),
  );
}

export function usePublishContest(id: number) {
  return useContestChange((_: undefined) =>
    call(api.POST("/v1/contests/{id}/publish", { params: { path: { id } } })),
  );
}

export function useCancelContest(id: number) {
  return useContestChange((reason: string) =>
    call(api.POST("/v1/contests/{id}/cancel", { params: { path: { id } }, body: { reason } })),
  );
}

export function useDeleteContest(id: number) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.DELETE("/v1/contests/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      qc.removeQueries({ queryKey: contestKeys.one(id) });
      return qc.invalidateQueries({ queryKey: contestKeys.lists });
    },
  });
}

/**
 * Entering and withdrawing (promoters; a team contest's by the team's owner). The contest
 * (its `entered` and `entrants`), the standings and the lists are read again after either,
 * and after a refusal too (the contest may have ended meanwhile).
 */
function useEntryChange(id: number, send: () => Promise<unknown>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSettled: () =>
      Promise.all([
        qc.invalidateQueries({ queryKey: contestKeys.one(id) }),
        qc.invalidateQueries({ queryKey: contestKeys.standings(id) }),
        qc.invalidateQueries({ queryKey: contestKeys.lists }),
      ]),
  });
}

export function useEnterContest(id: number) {
  return useEntryChange(id, () =>
    call(api.POST("/v1/contests/{id}/entries", { params: { path: { id } } })),
  );
}

export function useLeaveContest(id: number) {
  return useEntryChange(id, () =>
    call(api.DELETE("/v1/contests/{id}/entries/mine", { params: { path: { id } } })),
  );
}
