import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { SuspensionAction } from "../../../api/hooks/fraud";
import { useSuspensions } from "../../../api/hooks/fraud";
import { Dialog } from "../../../components/Dialog";
import { LoadMore } from "../../../components/LoadMore";
import { QueryState } from "../../../components/QueryState";
import { currentLanguage } from "../../../i18n";
import { formatDateTime } from "../../../lib/format";
import { SuspensionBadge } from "./Badges";
import { SuspendForm } from "./SuspendForm";

/**
 * A promoter's suspension (admins): its state, Suspend or Reinstate with a reason, and every
 * earlier suspension and reinstatement, newest first.
 */
export function SuspensionPanel({ promoterId, name }: { promoterId: number; name: string }) {
  const { t } = useTranslation("fraud");
  const lang = currentLanguage();
  const history = useSuspensions(promoterId);
  const [acting, setActing] = useState<SuspensionAction | null>(null);
  const [done, setDone] = useState<SuspensionAction | null>(null);

  return (
    <section className="fraud-section" aria-labelledby="fraud-suspension">
      <h2 id="fraud-suspension">{t("suspension.title")}</h2>
      <div className="card stack" data-testid="suspension-panel">
        {done && (
          <p className="notice notice-ok" role="status" data-testid="suspension-notice">
            {t(`suspension.done.${done}`, { name })}
          </p>
        )}
        <QueryState query={history}>
          {({ pages }) => {
            const first = pages[0];
            const suspended = first?.suspended ?? false;
            const rows = pages.flatMap((p) => p.data);
            const action: SuspensionAction = suspended ? "reinstate" : "suspend";
            return (
              <>
                <p className="fraud-risk-line">
                  <span>{t("suspension.state")}</span> <SuspensionBadge suspended={suspended} />
                </p>
                {suspended && first?.suspended_at && (
                  <p>{t("suspension.since", { at: formatDateTime(first.suspended_at, lang) })}</p>
                )}
                {suspended && first?.suspended_reason && (
                  <p>
                    <span className="fraud-reason-label">{t("suspension.reasonLabel")}</span>
                    <span dir="auto" className="fraud-reason">
                      {first.suspended_reason}
                    </span>
                  </p>
                )}
                <div className="row">
                  <button
                    type="button"
                    className={suspended ? "btn btn-primary" : "btn btn-danger"}
                    aria-label={t(`suspension.${action}Named`, { name })}
                    onClick={() => {
                      setDone(null);
                      setActing(action);
                    }}
                  >
                    {t(`suspension.${action}`)}
                  </button>
                </div>
                <h3 className="fraud-subtitle">{t("suspension.history")}</h3>
                {rows.length === 0 ? (
                  <p className="muted">{t("suspension.noHistory")}</p>
                ) : (
                  <>
                    <ol
                      className="plain-list fraud-history"
                      aria-label={t("suspension.historyCaption")}
                      data-testid="suspension-history"
                    >
                      {rows.map((c) => (
                        <li key={c.id} data-action={c.action}>
                          <div className="fraud-history-head">
                            <strong>{t(`suspension.actions.${c.action}`)}</strong>
                            <span>{formatDateTime(c.at, lang)}</span>
                            <span className="muted">
                              {c.actor_id === null || c.actor_id === undefined
                                ? t("suspension.unknownActor")
                                : t("suspension.actor", { id: c.actor_id })}
                            </span>
                          </div>
                          <p className="fraud-history-reason">
                            <span className="fraud-reason-label">
                              {t("suspension.reasonLabel")}
                            </span>
                            <span dir="auto" className="fraud-reason">
                              {c.reason}
                            </span>
                          </p>
                        </li>
                      ))}
                    </ol>
                    <LoadMore query={history} />
                  </>
                )}
              </>
            );
          }}
        </QueryState>
      </div>
      <Dialog
        open={acting !== null}
        title={acting ? t(`suspension.${acting}Title`, { name }) : ""}
        onClose={() => setActing(null)}
      >
        {acting && (
          <SuspendForm
            promoterId={promoterId}
            action={acting}
            onCancel={() => setActing(null)}
            onDone={() => {
              setDone(acting);
              setActing(null);
            }}
          />
        )}
      </Dialog>
    </section>
  );
}
