import { describe, expect, it } from "vitest";
import type { ContestStatus, StandingView } from "../../../api/hooks/contests";
import { contestRefresh } from "../../../api/hooks/contests";
import ar from "../../../i18n/ar/contests";
import en from "../../../i18n/en/contests";
import {
  countdownTarget,
  entryChoice,
  formatLeft,
  formatScore,
  isMine,
  managerActions,
  phaseOf,
  promoterTab,
  STATUSES,
  splitDuration,
  statusKey,
  statusParam,
  statusTone,
  tabFilter,
} from "./display";

const at = (iso: string) => Date.parse(iso);
const span = { starts_at: "2026-12-01T00:00:00Z", ends_at: "2026-12-31T00:00:00Z" };

describe("status labels", () => {
  it("every state has a label in both languages and a badge", () => {
    for (const s of STATUSES) {
      const key = statusKey(s).split(".")[1] as ContestStatus;
      expect(en.status[key], s).toBeTruthy();
      expect(ar.status[key], s).toBeTruthy();
      expect(statusTone(s)).toMatch(/^badge/);
    }
    expect(statusTone("running")).toBe("badge badge-ok");
    expect(statusTone("cancelled")).toBe("badge badge-danger");
    expect(statusTone("draft")).toBe("badge");
  });
  it("reads the list's filters from the address, falling back safely", () => {
    expect(promoterTab("finished")).toBe("finished");
    expect(promoterTab("draft")).toBe("running");
    expect(promoterTab(null)).toBe("running");
    expect(tabFilter("mine")).toEqual({ mine: true });
    expect(tabFilter("scheduled")).toEqual({ status: "scheduled" });
    expect(statusParam("cancelled")).toBe("cancelled");
    expect(statusParam("nope")).toBeNull();
  });
});

describe("time", () => {
  it("places a contest in time by its state and span", () => {
    const c = (status: ContestStatus) => ({ ...span, status });
    expect(phaseOf(c("scheduled"), at("2026-11-30T00:00:00Z"))).toBe("upcoming");
    // The tick moves a contest on a moment after its start: the clock says running already.
    expect(phaseOf(c("scheduled"), at("2026-12-01T00:00:00Z"))).toBe("running");
    expect(phaseOf(c("running"), at("2026-12-30T23:59:59Z"))).toBe("running");
    expect(phaseOf(c("running"), at("2026-12-31T00:00:00Z"))).toBe("counting");
    expect(phaseOf(c("finished"), at("2026-11-01T00:00:00Z"))).toBe("finished");
    expect(phaseOf(c("draft"), at("2026-12-05T00:00:00Z"))).toBe("draft");
    expect(countdownTarget(c("scheduled"), at("2026-11-30T00:00:00Z"))).toBe(at(span.starts_at));
    expect(countdownTarget(c("running"), at("2026-12-05T00:00:00Z"))).toBe(at(span.ends_at));
    expect(countdownTarget(c("cancelled"), at("2026-12-05T00:00:00Z"))).toBeNull();
  });
  it("splits and words the time left: the two largest units, seconds only near the end", () => {
    expect(splitDuration(90_061_000)).toEqual({ days: 1, hours: 1, minutes: 1, seconds: 1 });
    expect(splitDuration(-5)).toEqual({ days: 0, hours: 0, minutes: 0, seconds: 0 });
    expect(formatLeft(3 * 86_400_000 + 4 * 3_600_000 + 5 * 60_000, "en")).toBe("3 days, 4 hours");
    expect(formatLeft(2 * 3_600_000 + 7_000, "en")).toBe("2 hours");
    expect(formatLeft(5 * 60_000 + 9_000, "en")).toBe("5 minutes, 9 seconds");
    expect(formatLeft(0, "en")).toBe("0 seconds");
    expect(formatLeft(86_400_000, "ar")).toMatch(/[\u0600-\u06FF]/);
  });
});

describe("scores and places", () => {
  it("formats payouts as money and counts as numbers", () => {
    expect(formatScore("1234.50", { metric: "payout", currency: "USD" }, "en")).toBe("$1,234.50");
    expect(formatScore("1234", { metric: "conversions", currency: null }, "en")).toBe("1,234");
  });
  it("finds the caller's row: a promoter, or a team", () => {
    const s = (promoter_id: number | null, team_id: number | null) =>
      ({ promoter_id, team_id }) as unknown as StandingView;
    expect(isMine(s(5, null), s(5, null))).toBe(true);
    expect(isMine(s(6, null), s(5, null))).toBe(false);
    expect(isMine(s(null, 2), s(null, 2))).toBe(true);
    expect(isMine(s(null, 3), s(null, 2))).toBe(false);
    expect(isMine(s(5, null), null)).toBe(false);
  });
});

describe("who may do what", () => {
  it("managers edit, publish and delete drafts, cancel until the end", () => {
    expect(managerActions("draft")).toEqual({
      edit: true,
      publish: true,
      remove: true,
      cancel: true,
    });
    expect(managerActions("running")).toEqual({
      edit: false,
      publish: false,
      remove: false,
      cancel: true,
    });
    expect(managerActions("finished").cancel).toBe(false);
    expect(managerActions("cancelled").cancel).toBe(false);
  });
  it("promoters enter and leave while open; a team's owner only, in team contests", () => {
    const now = at("2026-12-05T00:00:00Z");
    const c = { ...span, status: "running" as const, kind: "individual" as const, entered: false };
    expect(entryChoice(c, null, 1, now)).toBe("enter");
    expect(entryChoice({ ...c, entered: true }, null, 1, now)).toBe("leave");
    expect(entryChoice({ ...c, status: "finished" }, null, 1, now)).toBe("closed");
    // Past the end but not yet finished: entries are closed.
    expect(entryChoice(c, null, 1, at("2026-12-31T00:00:01Z"))).toBe("closed");
    const team = { ...c, kind: "team" as const };
    expect(entryChoice(team, null, 1, now)).toBe("needTeam");
    expect(entryChoice(team, { owner_id: 2 }, 1, now)).toBe("notOwner");
    expect(entryChoice(team, { owner_id: 1 }, 1, now)).toBe("enter");
  });
});

describe("reading a contest again", () => {
  it("soon after its start or end has passed, else every so often while published", () => {
    const c = (status: ContestStatus) => ({ ...span, status });
    const before = at("2026-11-30T00:00:00Z");
    const during = at("2026-12-05T00:00:00Z");
    const after = at("2026-12-31T00:00:01Z");
    expect(contestRefresh(c("scheduled"), before, 30_000)).toBe(30_000);
    expect(contestRefresh(c("scheduled"), during, 30_000)).toBe(2_000);
    expect(contestRefresh(c("running"), during, 30_000)).toBe(30_000);
    expect(contestRefresh(c("running"), after, 30_000)).toBe(10_000);
    expect(contestRefresh(c("finished"), after, 30_000)).toBe(false);
    expect(contestRefresh(c("draft"), during, 30_000)).toBe(false);
    expect(contestRefresh(undefined, during, 30_000)).toBe(false);
  });
});
