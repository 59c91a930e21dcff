// A promoter's entry: enter, or leave (confirmed); in a team contest only the team's owner
// enters the team, so a member is told so and one in no team is sent to the team page.
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { type ContestView, useEnterContest, useLeaveContest } from "../../../api/hooks/contests";
import { ConfirmForm } from "../../../components/ConfirmForm";
import { Dialog } from "../../../components/Dialog";
import { useMyTeam } from "../../teams/lib/hooks";
import { entryChoice } from "../lib/display";
import { ContestError } from "./ContestError";

export function EntryPanel({
  contest,
  me,
  now,
  onDone,
}: {
  contest: ContestView;
  me: number;
  now: number;
  onDone: (kind: "entered" | "left") => void;
}) {
  const { t } = useTranslation("contests");
  const team = useMyTeam(contest.kind === "team");
  const enter = useEnterContest(contest.id);
  const leave = useLeaveContest(contest.id);
  const [leaving, setLeaving] = useState(false);

  if (contest.kind === "team" && team.isPending) {
    return (
      <p className="muted" aria-busy="true">
        {t("state.loading", { ns: "common" })}
      </p>
    );
  }
  if (contest.kind === "team" && team.error) {
    return <ContestError error={team.error} onRetry={() => void team.refetch()} />;
  }
  const myTeam = team.data ?? null;
  const choice = entryChoice(contest, myTeam, me, now);
  const teamName = myTeam?.name ?? "";
  const owner = myTeam?.members.find((m) => m.promoter_id === myTeam.owner_id)?.display_name ?? "";

  return (
    <section className="card stack" aria-labelledby="contest-entry-title" data-testid="entry">
      <h2 id="contest-entry-title" className="contest-h2">
        {t("entry.title")}
      </h2>
      {contest.kind === "team" && <p className="muted contest-flush">{t("entry.teamRule")}</p>}
      {contest.entered && (
        <p className="notice notice-ok contest-flush" data-testid="entered">
          {contest.kind === "team"
            ? t("entry.teamEntered", { team: teamName })
            : t("entry.entered")}
        </p>
      )}
      {enter.error ? <ContestError error={enter.error} /> : null}
      {choice === "enter" && (
        <div>
          <button
            type="button"
            className="btn btn-primary"
            disabled={enter.isPending}
            aria-busy={enter.isPending || undefined}
            onClick={() => {
              leave.reset();
              enter.mutate(undefined, { onSuccess: () => onDone("entered") });
            }}
          >
            {enter.isPending
              ? t("state.saving", { ns: "common" })
              : contest.kind === "team"
                ? t("entry.enterTeam", { team: teamName })
                : t("entry.enter")}
          </button>
        </div>
      )}
      {choice === "leave" && (
        <div>
          <button
            type="button"
            className="btn"
            onClick={() => {
              enter.reset();
              leave.reset();
              setLeaving(true);
            }}
          >
            {contest.kind === "team" ? t("entry.leaveTeam") : t("entry.leave")}
          </button>
        </div>
      )}
      {choice === "needTeam" && (
        <p className="contest-flush" data-testid="entry-need-team">
          {t("entry.needTeam")} <Link to="/team">{t("entry.toTeam")}</Link>
        </p>
      )}
      {choice === "notOwner" && (
        <p className="contest-flush" data-testid="entry-not-owner">
          {owner ? t("entry.notOwnerNamed", { owner }) : t("entry.notOwner")}{" "}
          <Link to="/team">{t("entry.toTeam")}</Link>
        </p>
      )}
      {choice === "closed" && !contest.entered && (
        <p className="muted contest-flush">{t("entry.closed")}</p>
      )}
      <Dialog open={leaving} title={t("entry.leaveTitle")} onClose={() => setLeaving(false)}>
        {leaving && (
          <ConfirmForm
            confirmLabel={t("entry.leaveConfirm")}
            danger
            pending={leave.isPending}
            error={leave.error}
            errorView={ContestError}
            onCancel={() => setLeaving(false)}
            onConfirm={() =>
              leave.mutate(undefined, {
                onSuccess: () => {
                  setLeaving(false);
                  onDone("left");
                },
              })
            }
          >
            <p className="contest-flush">{t("entry.leaveBody")}</p>
          </ConfirmForm>
        )}
      </Dialog>
    </section>
  );
}
