// The admins' fraud review: promoters with traffic in the range, highest risk first, with
// the findings that set their level, their key figures and whether they are suspended;
// each opens its insight, and can be suspended or reinstated with a reason.
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { ApiError } from "../../api/errors";
import { type QueueItem, type SuspensionAction, useFraudQueue } from "../../api/hooks/fraud";
import { Dialog } from "../../components/Dialog";
import { SelectField } from "../../components/Field";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { currentLanguage } from "../../i18n";
import { formatDateTime, formatNumber } from "../../lib/format";
import { English, RiskBadge, SuspensionBadge } from "./components/Badges";
import { RangeControl } from "./components/RangeControl";
import { SuspendForm } from "./components/SuspendForm";
import { firstOf, formatShare } from "./lib/display";
import { levels, queueQuery, readQueueFilters, writeQueueFilters } from "./lib/queue";
import { writeRange } from "./lib/range";
import "../account/account.css";
import "../stats/stats.css";
import "./fraud.css";

/** Findings shown on a row; the insight lists them all. */
const ROW_FINDINGS = 2;

function QueueRow({
  item,
  rangeSearch,
  onAct,
}: {
  item: QueueItem;
  rangeSearch: string;
  onAct: (item: QueueItem, action: SuspensionAction) => void;
}) {
  const { t } = useTranslation("fraud");
  const lang = currentLanguage();
  const { promoter, figures, risk } = item;
  const suspended = Boolean(item.suspended_at);
  const findings = firstOf(risk.findings, ROW_FINDINGS);
  const action: SuspensionAction = suspended ? "reinstate" : "suspend";
  const name = promoter.display_name || promoter.email;
  const href = `/fraud/promoters/${promoter.id}${rangeSearch ? `?${rangeSearch}` : ""}`;

  return (
    <li
      className="card stack fraud-row"
      data-testid="fraud-queue-row"
      data-promoter={promoter.id}
      data-level={risk.level}
    >
      <div className="fraud-row-head">
        <h2 className="card-title">
          <Link to={href} state={{ name }} dir="auto">
            {name}
          </Link>
        </h2>
        <RiskBadge level={risk.level} />
        <SuspensionBadge suspended={suspended} />
      </div>
      <p className="muted fraud-row-who">
        <bdi dir="ltr">{promoter.email}</bdi> · {t("promoter.name", { id: promoter.id })}
      </p>
      <dl className="details">
        <dt>{t("queue.clicks")}</dt>
        <dd>{formatNumber(figures.clicks.total, lang)}</dd>
        <dt>{t("queue.flagged")}</dt>
        <dd data-testid="flagged-share">
          {t("queue.shareOf", {
            share: formatShare(figures.clicks.flagged_share, lang),
            n: formatNumber(figures.clicks.flagged, lang),
          })}
        </dd>
        <dt>{t("queue.filtered")}</dt>
        <dd>
          {t("queue.shareOf", {
            share: formatShare(figures.clicks.filtered_share, lang),
            n: formatNumber(figures.clicks.filtered, lang),
          })}
        </dd>
        <dt>{t("queue.conversions")}</dt>
        <dd>{formatNumber(figures.conversions, lang)}</dd>
        {figures.top_ip && (
          <>
            <dt>{t("queue.topIp")}</dt>
            <dd>
              <bdi dir="ltr">{figures.top_ip.key}</bdi>{" "}
              <span className="muted">({formatShare(figures.top_ip.share, lang)})</span>
            </dd>
          </>
        )}
        {suspended && item.suspended_at && (
          <>
            <dt>{t("queue.suspendedAt")}</dt>
            <dd>
              {formatDateTime(item.suspended_at, lang)}
              {item.suspended_reason && (
                <>
                  {" · "}
                  <span dir="auto" className="fraud-reason">
                    {item.suspended_reason}
                  </span>
                </>
              )}
            </dd>
          </>
        )}
      </dl>
      {findings.shown.length > 0 ? (
        <ul className="fraud-findings" aria-label={t("risk.findings")}>
          {findings.shown.map((f) => (
            <li key={`${f.rule}-${f.text}`}>
              <span className="fraud-rule">{t(`rules.${f.rule}`)}</span>
              {": "}
              <English>{f.text}</English>
            </li>
          ))}
          {findings.more > 0 && (
            <li className="muted">
              {t("queue.moreFindings", { n: formatNumber(findings.more, lang) })}
            </li>
          )}
        </ul>
      ) : (
        <p className="muted">{t("risk.noFindings")}</p>
      )}
      <div className="row">
        <Link to={href} state={{ name }} className="btn">
          {t("queue.open")}
        </Link>
        <button
          type="button"
          className={suspended ? "btn btn-primary" : "btn btn-danger"}
          aria-label={t(`suspension.${action}Named`, { name })}
          onClick={() => onAct(item, action)}
        >
          {t(`suspension.${action}`)}
        </button>
      </div>
    </li>
  );
}

export default function Queue() {
  const { t } = useTranslation("fraud");
  const [params, setParams] = useSearchParams();
  const today = new Date().toISOString().slice(0, 10);
  const filters = useMemo(
    () => readQueueFilters(params, new Date(`${today}T12:00:00Z`)),
    [params, today],
  );
  const queue = useFraudQueue(queueQuery(filters));
  const apiErrors = queue.error instanceof ApiError ? queue.error.fields : {};
  const rangeSearch = writeRange(filters.range).toString();
  const [acting, setActing] = useState<{ item: QueueItem; action: SuspensionAction } | null>(null);
  // The last change (translated when shown, so a language switch follows).
  const [done, setDone] = useState<{ action: SuspensionAction; name: string } | null>(null);
  const actingName = acting ? acting.item.promoter.display_name || acting.item.promoter.email : "";

  return (
    <section className="stack fraud-page">
      <PageHeader title={t("queue.title")} />
      <p className="muted">{t("queue.intro")}</p>
      <RangeControl
        value={filters.range}
        apiErrors={apiErrors}
        onChange={(range) => setParams(writeQueueFilters({ ...filters, range }))}
      >
        <div className="row">
          <SelectField
            label={t("queue.risk")}
            name="risk"
            value={filters.risk ?? ""}
            onChange={(e) =>
              setParams(
                writeQueueFilters({
                  ...filters,
                  risk: levels.find((l) => l === e.target.value) ?? null,
                }),
              )
            }
            error={apiErrors.risk}
          >
            <option value="">{t("queue.allLevels")}</option>
            {levels.map((l) => (
              <option key={l} value={l}>
                {t(`levels.${l}`)}
              </option>
            ))}
          </SelectField>
        </div>
      </RangeControl>
      {done && (
        <p className="notice notice-ok" role="status" data-testid="suspension-notice">
          {t(`suspension.done.${done.action}`, { name: done.name })}
        </p>
      )}
      <QueryState query={queue}>
        {({ pages }) => {
          const items = pages.flatMap((p) => p.data);
          if (items.length === 0) {
            return (
              <p className="muted" data-testid="queue-empty">
                {t("queue.empty")}
              </p>
            );
          }
          return (
            <>
              <ul className="plain-list stack" aria-label={t("queue.listLabel")}>
                {items.map((item) => (
                  <QueueRow
                    key={item.promoter.id}
                    item={item}
                    rangeSearch={rangeSearch}
                    onAct={(i, action) => {
                      setDone(null);
                      setActing({ item: i, action });
                    }}
                  />
                ))}
              </ul>
              <LoadMore query={queue} />
            </>
          );
        }}
      </QueryState>
      <Dialog
        open={acting !== null}
        title={acting ? t(`suspension.${acting.action}Title`, { name: actingName }) : ""}
        onClose={() => setActing(null)}
      >
        {acting && (
          <SuspendForm
            promoterId={acting.item.promoter.id}
            action={acting.action}
            onCancel={() => setActing(null)}
            onDone={() => {
              setDone({ action: acting.action, name: actingName });
              setActing(null);
            }}
          />
        )}
      </Dialog>
    </section>
  );
}
