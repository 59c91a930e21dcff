// The page of a team member: the team's figures, the invite code and link, the members, and
// what the member (or the owner) may do.
import { useTranslation } from "react-i18next";
import { CopyButton } from "../../../components/CopyButton";
import { TableWrap } from "../../../components/TableWrap";
import { formatDate, formatNumber } from "../../../lib/format";
import { displayCode, inviteLink } from "../lib/invite";
import { isOwner, type MemberView, othersThanOwner, ownerFirst, type TeamView } from "../lib/team";

export type TeamAction =
  | { kind: "remove"; member: MemberView }
  | { kind: "handOver" | "rotate" | "disband" | "leave" };

export function TeamPanel({
  team,
  me,
  onAction,
}: {
  team: TeamView;
  me: number;
  onAction: (a: TeamAction) => void;
}) {
  const { t, i18n } = useTranslation("teams");
  const lang = i18n.language;
  const owner = isOwner(team, me);
  const others = othersThanOwner(team);
  const link = team.invite_code ? inviteLink(location.origin, team.invite_code) : null;
  return (
    <div className="stack" data-testid="team" data-team-id={team.id}>
      <h2 className="team-name" data-testid="team-name">
        {team.name}
      </h2>
      <dl className="kpis">
        <div className="kpi">
          <dt className="kpi-label">{t("team.points")}</dt>
          <dd className="kpi-value" data-testid="team-points">
            {formatNumber(team.points, lang)}
          </dd>
        </div>
        <div className="kpi">
          <dt className="kpi-label">{t("team.members")}</dt>
          <dd className="kpi-value" data-testid="team-member-count">
            {formatNumber(team.member_count, lang)}
          </dd>
        </div>
        <div className="kpi">
          <dt className="kpi-label">{t("team.created")}</dt>
          <dd className="kpi-value team-date">{formatDate(team.created_at, lang)}</dd>
        </div>
      </dl>

      {team.invite_code && link && (
        <section className="card stack" aria-labelledby="team-invite-title">
          <h2 id="team-invite-title" className="team-card-title">
            {t("team.inviteTitle")}
          </h2>
          <div className="team-copy-row">
            <span className="muted">{t("team.code")}</span>
            <code className="team-ltr team-code" data-testid="invite-code">
              {displayCode(team.invite_code)}
            </code>
            <CopyButton text={team.invite_code} label={t("team.copyCode")} />
          </div>
          <div className="team-copy-row">
            <span className="muted">{t("team.link")}</span>
            <code className="team-ltr team-link" data-testid="invite-link">
              {link}
            </code>
            <CopyButton text={link} label={t("team.copyLink")} />
          </div>
        </section>
      )}

      <h2 className="team-section-title">{t("team.membersTitle")}</h2>
      <TableWrap label={t("team.membersTitle")}>
        <table data-testid="members">
          <thead>
            <tr>
              <th scope="col">{t("team.name")}</th>
              <th scope="col">{t("team.joined")}</th>
              <th scope="col">{t("team.memberPoints")}</th>
              {owner && <th scope="col">{t("team.actions")}</th>}
            </tr>
          </thead>
          <tbody>
            {ownerFirst(team).map((m) => {
              const theOwner = m.promoter_id === team.owner_id;
              return (
                <tr
                  key={m.promoter_id}
                  data-member-id={m.promoter_id}
                  data-owner={theOwner || undefined}
                >
                  <th scope="row">
                    <span className="team-member">{m.display_name}</span>
                    {m.promoter_id === me && <span className="muted"> {t("team.you")}</span>}
                    {theOwner && (
                      <>
                        {" "}
                        <span className="badge badge-ok">{t("team.owner")}</span>
                      </>
                    )}
                  </th>
                  <td>{formatDate(m.joined_at, lang)}</td>
                  <td>{formatNumber(m.points, lang)}</td>
                  {owner && (
                    <td>
                      {!theOwner && (
                        <button
                          type="button"
                          className="btn btn-small btn-danger"
                          aria-label={t("team.removeNamed", { name: m.display_name })}
                          onClick={() => onAction({ kind: "remove", member: m })}
                        >
                          {t("team.remove")}
                        </button>
                      )}
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </TableWrap>

      {owner && (
        <section className="card stack" aria-labelledby="team-owner-title">
          <h2 id="team-owner-title" className="team-card-title">
            {t("owner.title")}
          </h2>
          {others.length === 0 && <p className="muted team-flush">{t("owner.noOthers")}</p>}
          <div className="row team-actions">
            {others.length > 0 && (
              <button type="button" className="btn" onClick={() => onAction({ kind: "handOver" })}>
                {t("owner.handOver")}
              </button>
            )}
            <button type="button" className="btn" onClick={() => onAction({ kind: "rotate" })}>
              {t("owner.rotate")}
            </button>
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => onAction({ kind: "disband" })}
            >
              {t("owner.disband")}
            </button>
          </div>
        </section>
      )}

      <section className="stack" aria-label={t("leave.button")}>
        {owner && others.length > 0 && <p className="muted team-flush">{t("leave.ownerNote")}</p>}
        <div>
          <button
            type="button"
            className="btn"
            onClick={() => onAction({ kind: "leave" })}
            data-testid="leave-team"
          >
            {t("leave.button")}
          </button>
        </div>
      </section>
    </div>
  );
}
