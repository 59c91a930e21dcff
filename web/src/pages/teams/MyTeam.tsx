// The promoter's team page ("My team", and /team/join?code= for invite links): in no team, a
// form to create one and one to join with a code; in a team, its figures, the invite code and
// link, the members, and the member's and owner's actions, each confirmed in a dialog.
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { useLocation, useNavigate } from "react-router";
import { useUser } from "../../auth/useSession";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { ConfirmForm } from "./components/ConfirmForm";
import { NoTeam } from "./components/NoTeam";
import { type TeamAction, TeamPanel } from "./components/TeamPanel";
import {
  useDisband,
  useHandOver,
  useLeaveTeam,
  useMyTeam,
  useRemoveMember,
  useRotateCode,
} from "./lib/hooks";
import { codeFromSearch } from "./lib/invite";
import { othersThanOwner, type TeamView } from "./lib/team";
import "./teams.css";

/** What the last change came to, announced in the page's status region. */
type Notice =
  | { kind: "created" | "joined" | "removed" | "handedOver"; name: string }
  | { kind: "left" | "rotated" | "disbanded" };

function HandOverForm({
  team,
  onCancel,
  onDone,
}: {
  team: TeamView;
  onCancel: () => void;
  onDone: (name: string) => void;
}) {
  const { t } = useTranslation("teams");
  const handOver = useHandOver();
  const others = othersThanOwner(team);
  const [chosen, setChosen] = useState(others[0]?.promoter_id ?? 0);
  return (
    <ConfirmForm
      confirmLabel={t("dialogs.handOverConfirm")}
      pending={handOver.isPending}
      error={handOver.error}
      onCancel={onCancel}
      onConfirm={() =>
        handOver.mutate(chosen, {
          onSuccess: () => onDone(others.find((m) => m.promoter_id === chosen)?.display_name ?? ""),
        })
      }
    >
      <p className="team-flush">{t("dialogs.handOverBody")}</p>
      <SelectField
        label={t("dialogs.handOverTo")}
        value={chosen}
        onChange={(e) => setChosen(Number(e.target.value))}
      >
        {others.map((m) => (
          <option key={m.promoter_id} value={m.promoter_id}>
            {m.display_name}
          </option>
        ))}
      </SelectField>
    </ConfirmForm>
  );
}

export default function MyTeam() {
  const { t } = useTranslation("teams");
  const user = useUser();
  const location = useLocation();
  const navigate = useNavigate();
  const mine = useMyTeam(user.role === "promoter");
  const remove = useRemoveMember();
  const rotate = useRotateCode();
  const disband = useDisband();
  const leave = useLeaveTeam();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [action, setAction] = useState<TeamAction | null>(null);
  const code = codeFromSearch(location.search);
  const team = mine.data ?? null;

  function close() {
    setAction(null);
  }
  function open(a: TeamAction) {
    setNotice(null);
    for (const m of [remove, rotate, disband, leave]) m.reset();
    setAction(a);
  }
  function done(n: Notice) {
    setAction(null);
    setNotice(n);
  }

  let body: ReactNode;
  if (user.role !== "promoter") {
    body = (
      <p className="notice notice-warn" data-testid="team-not-promoter">
        {t("errors.advertiser")}
      </p>
    );
  } else if (mine.error) {
    body = <ErrorNotice error={mine.error} onRetry={() => void mine.refetch()} />;
  } else if (mine.isPending) {
    body = (
      <p className="muted" aria-busy="true">
        {t("state.loading", { ns: "common" })}
      </p>
    );
  } else if (team === null) {
    body = (
      <NoTeam
        initialCode={code}
        onDone={(kind, created) => {
          setNotice({ kind, name: created.name });
          // The invite link did its work: the page's own address from now on.
          if (location.search) navigate("/team", { replace: true });
        }}
      />
    );
  } else {
    body = (
      <>
        {code && <p className="notice notice-warn">{t("join.alreadyMember")}</p>}
        <TeamPanel team={team} me={user.id} onAction={open} />
      </>
    );
  }

  const last = team !== null && team.member_count <= 1;
  return (
    <section className="stack team-root">
      <PageHeader title={t("title")} />
      <p className="muted team-flush">{t("intro")}</p>
      <div role="status" aria-live="polite" data-testid="team-status">
        {notice && (
          <p className="notice notice-ok team-flush">
            {"name" in notice
              ? t(`notices.${notice.kind}`, { name: notice.name })
              : t(`notices.${notice.kind}`)}
          </p>
        )}
      </div>
      {body}

      <Dialog open={action?.kind === "remove"} title={t("dialogs.removeTitle")} onClose={close}>
        {action?.kind === "remove" && (
          <ConfirmForm
            confirmLabel={t("dialogs.removeConfirm")}
            danger
            pending={remove.isPending}
            error={remove.error}
            onCancel={close}
            onConfirm={() =>
              remove.mutate(action.member.promoter_id, {
                onSuccess: () => done({ kind: "removed", name: action.member.display_name }),
              })
            }
          >
            <p className="team-flush">
              {t("dialogs.removeBody", { name: action.member.display_name })}
            </p>
          </ConfirmForm>
        )}
      </Dialog>
      <Dialog open={action?.kind === "handOver"} title={t("dialogs.handOverTitle")} onClose={close}>
        {action?.kind === "handOver" && team && (
          <HandOverForm
            team={team}
            onCancel={close}
            onDone={(name) => done({ kind: "handedOver", name })}
          />
        )}
      </Dialog>
      <Dialog open={action?.kind === "rotate"} title={t("dialogs.rotateTitle")} onClose={close}>
        {action?.kind === "rotate" && (
          <ConfirmForm
            confirmLabel={t("dialogs.rotateConfirm")}
            pending={rotate.isPending}
            error={rotate.error}
            onCancel={close}
            onConfirm={() =>
              rotate.mutate(undefined, { onSuccess: () => done({ kind: "rotated" }) })
            }
          >
            <p className="team-flush">{t("dialogs.rotateBody")}</p>
          </ConfirmForm>
        )}
      </Dialog>
      <Dialog open={action?.kind === "disband"} title={t("dialogs.disbandTitle")} onClose={close}>
        {action?.kind === "disband" && (
          <ConfirmForm
            confirmLabel={t("dialogs.disbandConfirm")}
            danger
            pending={disband.isPending}
            error={disband.error}
            onCancel={close}
            onConfirm={() =>
              disband.mutate(undefined, { onSuccess: () => done({ kind: "disbanded" }) })
            }
          >
            <p className="team-flush">{t("dialogs.disbandBody")}</p>
          </ConfirmForm>
        )}
      </Dialog>
      <Dialog open={action?.kind === "leave"} title={t("leave.title")} onClose={close}>
        {action?.kind === "leave" && (
          <ConfirmForm
            confirmLabel={t("leave.confirm")}
            danger
            pending={leave.isPending}
            error={leave.error}
            onCancel={close}
            onConfirm={() => leave.mutate(undefined, { onSuccess: () => done({ kind: "left" }) })}
          >
            <p className="team-flush">{last ? t("leave.lastBody") : t("leave.body")}</p>
          </ConfirmForm>
        )}
      </Dialog>
    </section>
  );
}
