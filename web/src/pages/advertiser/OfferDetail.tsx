import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import type { Schemas } from "../../api/client";
import {
  type OfferAction,
  useOffer,
  useOfferAction,
  useOfferHistory,
} from "../../api/hooks/offers";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { currentLanguage } from "../../i18n";
import { formatDateTime, formatNumber } from "../../lib/format";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { payoutText } from "./components/Payout";
import { OfferStatusBadge } from "./components/StatusBadge";
import { countryName } from "./lib/countries";
import "./advertiser.css";

type OfferView = Schemas["OfferView"];

/** The moves an advertiser may make from each status (control-plane/src/offers/rules.rs). */
export function actionsFor(o: OfferView): OfferAction[] {
  switch (o.status) {
    case "draft":
    case "rejected":
      return ["submit", "archive"];
    case "pending_review":
      return ["withdraw", "archive"];
    case "approved":
      return ["pause", "archive"];
    case "paused":
      return o.paused_by === "admin" ? ["archive"] : ["resume", "archive"];
    case "archived":
      return [];
  }
}

const EDITABLE: Schemas["OfferStatus"][] = ["draft", "rejected", "approved", "paused"];

function Countries({ codes, empty }: { codes: string[]; empty: string }) {
  const lang = currentLanguage();
  if (codes.length === 0) return <>{empty}</>;
  return <>{codes.map((c) => `${countryName(c, lang)} (${c})`).join(", ")}</>;
}

function Actions({ offer, onDone }: { offer: OfferView; onDone: (notice: string | null) => void }) {
  const { t } = useTranslation("advertiser");
  const move = useOfferAction(offer.id);
  const [asking, setAsking] = useState<OfferAction | null>(null);
  const actions = actionsFor(offer);
  return (
    <>
      <div className="page-actions" data-testid="offer-actions">
        {EDITABLE.includes(offer.status) && (
          <Link to={`/offers/${offer.id}/edit`} className="btn">
            {t("detail.edit")}
          </Link>
        )}
        {actions.map((a) => (
          <button
            key={a}
            type="button"
            className={`btn ${a === "archive" ? "btn-danger" : a === "submit" || a === "resume" ? "btn-primary" : ""}`}
            onClick={() => {
              move.reset();
              onDone(null);
              setAsking(a);
            }}
          >
            {t(`detail.actions.${a}`)}
          </button>
        ))}
      </div>
      {asking && (
        <ConfirmDialog
          title={`${t(`detail.actions.${asking}`)}: ${offer.name}`}
          confirmLabel={t(`detail.actions.${asking}`)}
          danger={asking === "archive"}
          pending={move.isPending}
          error={move.error}
          onClose={() => setAsking(null)}
          onConfirm={() =>
            move.mutate(asking, {
              onSuccess: (o) => {
                setAsking(null);
                onDone(t("detail.done", { status: t(`offerStatus.${o.status}`) }));
              },
            })
          }
        >
          <p>{t(`detail.confirm.${asking}`)}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

function History({ id }: { id: number }) {
  const { t } = useTranslation("advertiser");
  const history = useOfferHistory(id);
  const lang = currentLanguage();
  const status = (s: Schemas["OfferStatus"] | null | undefined) =>
    s ? t(`offerStatus.${s}`) : "—";
  return (
    <section aria-labelledby="offer-history">
      <h2 id="offer-history">{t("detail.history.title")}</h2>
      <QueryState query={history}>
        {({ data }) =>
          data.length === 0 ? (
            <p className="muted">{t("detail.history.empty")}</p>
          ) : (
            <TableWrap label={t("detail.history.title")}>
              <table data-testid="offer-history">
                <thead>
                  <tr>
                    <th scope="col">{t("detail.history.when")}</th>
                    <th scope="col">{t("detail.history.action")}</th>
                    <th scope="col">{t("detail.history.status")}</th>
                    <th scope="col">{t("detail.history.by")}</th>
                    <th scope="col">{t("detail.history.detail")}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.map((e) => (
                    <tr key={`${e.at}-${e.action}-${e.to_status ?? ""}`}>
                      <td>{formatDateTime(e.at, lang)}</td>
                      <td>{t(`detail.history.actions.${e.action}`, { defaultValue: e.action })}</td>
                      <td>
                        {e.from_status || e.to_status
                          ? `${status(e.from_status)} → ${status(e.to_status)}`
                          : "—"}
                      </td>
                      <td>
                        {e.actor_id != null
                          ? t("detail.history.user", { id: e.actor_id })
                          : t("detail.history.system")}
                      </td>
                      <td className="adv-note">{e.detail ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )
        }
      </QueryState>
    </section>
  );
}

function Detail({ offer: o }: { offer: OfferView }) {
  const { t } = useTranslation("advertiser");
  const lang = currentLanguage();
  const location = useLocation();
  const navigate = useNavigate();
  // A notice handed over by the form (the offer was created), then the latest action's.
  const [notice, setNotice] = useState(
    () => (location.state as { notice?: string | null } | null)?.notice ?? null,
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: once, on arrival.
  useEffect(() => {
    // Forget the handed-over notice so that a reload does not show it again.
    if (location.state) navigate(location.pathname, { replace: true, state: null });
  }, []);
  const cap = (n: number | null | undefined) =>
    n == null ? t("detail.fields.noCap") : formatNumber(n, lang);
  return (
    <div className="stack adv-page">
      <p>
        <Link to="/offers">{t("detail.back")}</Link>
      </p>
      <PageHeader title={o.name} actions={<OfferStatusBadge status={o.status} />} />
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      {o.status === "rejected" && (
        <div className="notice notice-error stack" data-testid="rejection">
          <strong>{t("detail.rejected")}</strong>
          <span data-testid="rejection-reason">{o.rejection_reason || t("detail.noReason")}</span>
          <span>{t("detail.rejectedHint")}</span>
        </div>
      )}
      {o.status === "pending_review" && (
        <p className="notice notice-warn">{t("detail.inReview")}</p>
      )}
      {o.status === "paused" && o.paused_by === "admin" && (
        <p className="notice notice-warn">{t("detail.pausedByAdmin")}</p>
      )}
      {o.status === "archived" && <p className="notice notice-warn">{t("detail.archived")}</p>}
      <Actions offer={o} onDone={setNotice} />
      <dl className="card adv-dl">
        <dt>{t("detail.fields.id")}</dt>
        <dd data-testid="offer-id">{o.id}</dd>
        <dt>{t("detail.fields.payout")}</dt>
        <dd>
          {payoutText(o)} · {t(`payoutModel.${o.payout_model}`)}
        </dd>
        <dt>{t("detail.fields.currency")}</dt>
        <dd>{o.currency}</dd>
        <dt>{t("detail.fields.category")}</dt>
        <dd>{o.category}</dd>
        <dt>{t("detail.fields.window")}</dt>
        <dd>
          {t("detail.fields.windowValue", {
            hours: formatNumber(o.attribution_window_hours, lang),
          })}
        </dd>
        <dt>{t("detail.fields.dailyCap")}</dt>
        <dd>{cap(o.daily_cap)}</dd>
        <dt>{t("detail.fields.totalCap")}</dt>
        <dd>{cap(o.total_cap)}</dd>
        <dt>{t("detail.fields.geoAllow")}</dt>
        <dd>
          <Countries codes={o.geo_allow} empty={t("detail.fields.anyCountry")} />
        </dd>
        <dt>{t("detail.fields.geoDeny")}</dt>
        <dd>
          <Countries codes={o.geo_deny} empty={t("detail.fields.noCountry")} />
        </dd>
        <dt>{t("detail.fields.hold")}</dt>
        <dd>{o.hold_conversions ? t("detail.fields.held") : t("detail.fields.notHeld")}</dd>
        <dt>{t("detail.fields.reviewBrowser")}</dt>
        <dd data-testid="offer-review-browser">
          {o.review_browser || o.hold_conversions
            ? t("detail.fields.held")
            : t("detail.fields.notHeld")}
        </dd>
        <dt>{t("detail.fields.minCtit")}</dt>
        <dd data-testid="offer-min-ctit">
          {o.min_ctit_seconds == null
            ? t("detail.fields.platformDefault")
            : o.min_ctit_seconds === 0
              ? t("detail.fields.noMinimum")
              : o.min_ctit_seconds === 1
                ? t("detail.fields.oneSecond")
                : t("detail.fields.seconds", { n: formatNumber(o.min_ctit_seconds, lang) })}
        </dd>
        <dt>{t("detail.fields.fraudPolicy")}</dt>
        <dd data-testid="offer-fraud-policy">{t(`fraudPolicy.${o.fraud_policy}`)}</dd>
        <dt>{t("detail.fields.destination")}</dt>
        <dd>
          <code className="adv-url">{o.url_template}</code>
        </dd>
        <dt>{t("detail.fields.fallback")}</dt>
        <dd>
          {o.fallback_url ? (
            <code className="adv-url">{o.fallback_url}</code>
          ) : (
            t("detail.fields.none")
          )}
        </dd>
        <dt>{t("detail.fields.preview")}</dt>
        <dd>
          {o.preview_url ? (
            <a href={o.preview_url} target="_blank" rel="noopener noreferrer" className="adv-ltr">
              {o.preview_url}
            </a>
          ) : (
            t("detail.fields.none")
          )}
        </dd>
        <dt>{t("detail.fields.created")}</dt>
        <dd>{formatDateTime(o.created_at, lang)}</dd>
        <dt>{t("detail.fields.updated")}</dt>
        <dd>{formatDateTime(o.updated_at, lang)}</dd>
      </dl>
      {o.description && (
        <section aria-labelledby="offer-description">
          <h2 id="offer-description">{t("detail.fields.description")}</h2>
          <p className="card" style={{ whiteSpace: "pre-wrap" }}>
            {o.description}
          </p>
        </section>
      )}
      <p>
        <Link to={`/sandbox?offer=${o.id}`} data-testid="offer-sandbox">
          {t("detail.sandbox")}
        </Link>
      </p>
      <History id={o.id} />
    </div>
  );
}

export default function OfferDetail() {
  const { t } = useTranslation();
  const { id } = useParams();
  if (!id || !/^\d+$/.test(id))
    return <p className="notice notice-error">{t("errors.notFound")}</p>;
  return <Loaded key={id} id={Number(id)} />;
}

function Loaded({ id }: { id: number }) {
  const offer = useOffer(id);
  return (
    <section className="adv-root">
      <QueryState query={offer}>{(o) => <Detail offer={o} />}</QueryState>
    </section>
  );
}
