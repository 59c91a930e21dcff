import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { currentLanguage } from "../../../i18n";
import { formatDateTime } from "../../../lib/format";
import type { EndpointView } from "../lib/endpoints";
import { typeText } from "./EventTypePicker";
import { StateBadge, StateDetail } from "./StateBadge";

/** What the cards' buttons do; the page owns the dialogs and the notices. */
export interface EndpointActions {
  onTest: () => void;
  onEdit: () => void;
  onToggle: () => void;
  onRotate: () => void;
  onDelete: () => void;
  /** A test or a change under way on this endpoint. */
  busy: boolean;
}

/** How an endpoint is named in buttons and dialogs: its description, else its URL. */
export function endpointName(e: Pick<EndpointView, "description" | "url">): string {
  return e.description.trim() || e.url;
}

/** One endpoint: its URL, description, events, state, and what can be done with it. */
export function EndpointCard({
  e,
  showOwner,
  actions,
  children,
}: {
  e: EndpointView;
  /** Admins see every endpoint: say whose each is. */
  showOwner: boolean;
  actions: EndpointActions;
  /** This endpoint's latest outcome (a test sent, a change saved). */
  children?: ReactNode;
}) {
  const { t } = useTranslation("webhooks");
  const lang = currentLanguage();
  const name = endpointName(e);
  return (
    <li className="card stack" data-testid="endpoint" data-endpoint-id={e.id}>
      <div className="wh-head">
        <h3 className="wh-card-title wh-url wh-ltr" data-testid="endpoint-url">
          {e.url}
        </h3>
        <StateBadge item={e} />
      </div>
      <StateDetail item={e} />
      <dl className="details">
        <dt>{t("fields.description")}</dt>
        <dd dir="auto">{e.description || <span className="muted">{t("fields.none")}</span>}</dd>
        <dt>{t("fields.events")}</dt>
        <dd data-testid="endpoint-events">
          {e.event_types.length === 0 ? (
            t("fields.allEvents")
          ) : (
            <ul className="inline-list">
              {e.event_types.map((type) => (
                <li key={type}>
                  <code className="wh-ltr" title={typeText({ type }, t)}>
                    {type}
                  </code>
                </li>
              ))}
            </ul>
          )}
        </dd>
        {e.previous_secret_until && (
          <>
            <dt>{t("fields.previousSecret")}</dt>
            <dd>
              {t("fields.previousSecretUntil", {
                date: formatDateTime(e.previous_secret_until, lang),
              })}
            </dd>
          </>
        )}
        {showOwner && (
          <>
            <dt>{t("fields.owner")}</dt>
            <dd>
              {e.advertiser_id != null
                ? t("fields.ownerAdvertiser", { id: e.advertiser_id })
                : e.promoter_id != null
                  ? t("fields.ownerPromoter", { id: e.promoter_id })
                  : t("fields.ownerPlatform")}
            </dd>
          </>
        )}
        <dt>{t("fields.created")}</dt>
        <dd>{formatDateTime(e.created_at, lang)}</dd>
      </dl>
      <div className="row wh-actions">
        <Link
          className="btn btn-small"
          to={`/webhooks/${e.id}`}
          aria-label={t("actions.logNamed", { name })}
        >
          {t("actions.log")}
        </Link>
        {e.enabled && (
          <button
            type="button"
            className="btn btn-small"
            disabled={actions.busy}
            aria-label={t("actions.testNamed", { name })}
            onClick={actions.onTest}
          >
            {t("actions.test")}
          </button>
        )}
        <button
          type="button"
          className="btn btn-small"
          aria-label={t("actions.editNamed", { name })}
          onClick={actions.onEdit}
        >
          {t("actions.edit")}
        </button>
        <button
          type="button"
          className="btn btn-small"
          disabled={actions.busy}
          aria-label={t(e.enabled ? "actions.disableNamed" : "actions.enableNamed", { name })}
          onClick={actions.onToggle}
        >
          {e.enabled ? t("actions.disable") : t("actions.enable")}
        </button>
        <button
          type="button"
          className="btn btn-small"
          aria-label={t("actions.rotateNamed", { name })}
          onClick={actions.onRotate}
        >
          {t("actions.rotate")}
        </button>
        <button
          type="button"
          className="btn btn-small btn-danger"
          aria-label={t("actions.deleteNamed", { name })}
          onClick={actions.onDelete}
        >
          {t("actions.delete")}
        </button>
      </div>
      {children}
    </li>
  );
}
