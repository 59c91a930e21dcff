import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { ApiError } from "../../../api/errors";
import {
  type LogKind,
  useMessages,
  useRedeliverFailed,
  useRedeliverMessage,
} from "../../../api/hooks/webhooks";
import { SelectField, TextField } from "../../../components/Field";
import { LoadMore } from "../../../components/LoadMore";
import { TableWrap } from "../../../components/TableWrap";
import { currentLanguage } from "../../../i18n";
import { formatDateTime, formatNumber } from "../../../lib/format";
import {
  type AttemptView,
  anyPending,
  attemptOutcome,
  canRedeliver,
  MESSAGE_STATUSES,
  type MessageView,
  messageBadge,
  messageStatus,
  type RangeProblems,
  readablePayload,
  redeliverRange,
  statusFilter,
} from "../lib/messages";
import { WebhookError } from "./WebhookError";

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation("webhooks");
  const s = messageStatus(status);
  return (
    <span className={messageBadge(status)} data-testid="message-status">
      {s === "unknown" ? status : t(`log.status.${s}`)}
    </span>
  );
}

function Attempts({ attempts }: { attempts: readonly AttemptView[] }) {
  const { t } = useTranslation("webhooks");
  const lang = currentLanguage();
  if (attempts.length === 0) return <p className="muted wh-flush">{t("log.noAttempts")}</p>;
  return (
    <TableWrap label={t("log.attemptsTitle")}>
      <table data-testid="attempts">
        <thead>
          <tr>
            <th scope="col" className="num">
              {t("log.columns.attempt")}
            </th>
            <th scope="col">{t("log.columns.started")}</th>
            <th scope="col">{t("log.columns.status")}</th>
            <th scope="col" className="num">
              {t("log.columns.latency")}
            </th>
            <th scope="col">{t("log.columns.response")}</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a) => {
            const outcome = attemptOutcome(a);
            return (
              <tr key={a.attempt} data-outcome={outcome}>
                <td className="num">{formatNumber(a.attempt, lang)}</td>
                <td>{formatDateTime(a.started_at, lang)}</td>
                <td>
                  <span
                    className={`badge ${outcome === "ok" ? "badge-ok" : "badge-danger"}`}
                    data-testid="attempt-status"
                  >
                    {a.status_code != null
                      ? t("log.statusCode", { code: a.status_code })
                      : t("log.noAnswer")}
                  </span>
                </td>
                <td className="num">
                  {t("log.latency", { ms: formatNumber(a.latency_ms, lang) })}
                </td>
                <td className="wh-response">
                  {a.error ? (
                    <span className="field-error wh-ltr">{a.error}</span>
                  ) : a.response ? (
                    <code className="wh-ltr wh-pre">{a.response}</code>
                  ) : (
                    <span className="muted">{t("log.emptyResponse")}</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Message({
  m,
  kind,
  canWrite,
  onRedelivered,
}: {
  m: MessageView;
  kind: LogKind;
  canWrite: boolean;
  onRedelivered: (id: string) => void;
}) {
  const { t } = useTranslation("webhooks");
  const lang = currentLanguage();
  const [open, setOpen] = useState(false);
  const redeliver = useRedeliverMessage(kind, m.endpoint_id);
  const detailId = useId();
  return (
    <li
      className="card stack wh-message"
      data-testid="message"
      data-status={m.status}
      data-event={m.event_type}
    >
      <div className="wh-head">
        <h3 className="wh-card-title">
          <code className="wh-ltr">{m.event_type}</code>
        </h3>
        <StatusBadge status={m.status} />
      </div>
      <dl className="details">
        <dt>{t("log.created")}</dt>
        <dd>{formatDateTime(m.created_at, lang)}</dd>
        <dt>{t("log.attempts")}</dt>
        <dd>{formatNumber(m.attempts, lang)}</dd>
        {m.last_attempt_at && (
          <>
            <dt>{t("log.lastAttempt")}</dt>
            <dd>
              {formatDateTime(m.last_attempt_at, lang)}
              {" · "}
              {m.last_status != null
                ? t("log.statusCode", { code: m.last_status })
                : t("log.noAnswer")}
            </dd>
          </>
        )}
        {m.next_attempt_at && (
          <>
            <dt>{t("log.nextAttempt")}</dt>
            <dd>{formatDateTime(m.next_attempt_at, lang)}</dd>
          </>
        )}
        <dt>{t("log.id")}</dt>
        <dd>
          <code className="wh-ltr">{m.id}</code>
        </dd>
      </dl>
      <div className="row">
        <button
          type="button"
          className="btn btn-small"
          aria-expanded={open}
          aria-controls={detailId}
          onClick={() => setOpen(!open)}
        >
          {open ? t("log.hideDetails") : t("log.details")}
        </button>
        {canWrite && canRedeliver(m.status) && (
          <button
            type="button"
            className="btn btn-small"
            disabled={redeliver.isPending}
            aria-label={t("log.redeliverNamed", { id: m.id })}
            onClick={() =>
              redeliver.mutate(m.id, {
                onSuccess: () => onRedelivered(m.id),
              })
            }
          >
            {t("log.redeliver")}
          </button>
        )}
      </div>
      {redeliver.error ? <WebhookError error={redeliver.error} /> : null}
      {open && (
        <div id={detailId} className="stack wh-detail">
          <h4 className="wh-subtitle">
            {kind === "postback" ? t("log.postbackUrl") : t("log.payload")}
          </h4>
          <pre className="wh-payload wh-ltr" data-testid="payload">
            {readablePayload(m.payload)}
          </pre>
          <h4 className="wh-subtitle">{t("log.attemptsTitle")}</h4>
          <Attempts attempts={m.attempt_log} />
        </div>
      )}
    </li>
  );
}

/** "Send the failed ones again", for all of them or those made in a range. */
function RedeliverFailed({ kind, id }: { kind: LogKind; id: number }) {
  const { t } = useTranslation("webhooks");
  const redeliver = useRedeliverFailed(kind, id);
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [problems, setProblems] = useState<RangeProblems>({});
  const apiFields = redeliver.error instanceof ApiError ? redeliver.error.fields : {};

  function submit(e: FormEvent) {
    e.preventDefault();
    const range = redeliverRange(from, to);
    if ("problems" in range) {
      setProblems(range.problems);
      return;
    }
    setProblems({});
    redeliver.mutate(range.body);
  }

  return (
    <details className="card wh-redeliver">
      <summary>{t("log.failed.title")}</summary>
      <form onSubmit={submit} noValidate className="stack">
        <p className="muted wh-flush">{t("log.failed.hint")}</p>
        <div className="row">
          <TextField
            label={t("log.failed.from")}
            type="datetime-local"
            name="from"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
            error={problems.from ? t(`log.failed.problems.${problems.from}`) : apiFields.from}
          />
          <TextField
            label={t("log.failed.to")}
            type="datetime-local"
            name="to"
            value={to}
            onChange={(e) => setTo(e.target.value)}
            error={problems.to ? t(`log.failed.problems.${problems.to}`) : apiFields.to}
          />
        </div>
        <div>
          <button type="submit" className="btn" disabled={redeliver.isPending}>
            {t("log.failed.submit")}
          </button>
        </div>
        {redeliver.error ? <WebhookError error={redeliver.error} /> : null}
        {redeliver.isSuccess && (
          <p className="notice notice-ok" role="status" data-testid="redeliver-queued">
            {t("log.failed.queued", { n: formatNumber(redeliver.data.queued, currentLanguage()) })}
          </p>
        )}
      </form>
    </details>
  );
}

/**
 * The delivery log of a webhook endpoint or a promoter postback: messages newest first,
 * filtered by status (kept in the address), a page at a time; each opens to its payload and
 * attempts, and a delivered or failed one can be sent again.
 */
export function DeliveryLog({
  kind,
  id,
  canWrite,
}: {
  kind: LogKind;
  id: number;
  /** Whether the caller may redeliver (an admin reading a promoter's postback may not). */
  canWrite: boolean;
}) {
  const { t } = useTranslation("webhooks");
  const [params, setParams] = useSearchParams();
  const status = statusFilter(params.get("status"));
  const query = useMessages(kind, id, status);
  const [notice, setNotice] = useState<string | null>(null);
  const headingId = useId();
  const messages = query.data?.pages.flatMap((p) => p.data) ?? [];

  return (
    <section className="stack" aria-labelledby={headingId}>
      <h2 id={headingId} className="wh-section-title">
        {t("log.messagesTitle")}
      </h2>
      {canWrite && <RedeliverFailed kind={kind} id={id} />}
      <div className="row">
        <SelectField
          label={t("log.filterStatus")}
          name="status"
          value={status ?? ""}
          onChange={(e) => {
            setNotice(null);
            const next = new URLSearchParams(params);
            if (e.target.value) next.set("status", e.target.value);
            else next.delete("status");
            setParams(next, { replace: true });
          }}
        >
          <option value="">{t("log.allStatuses")}</option>
          {MESSAGE_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`log.status.${s}`)}
            </option>
          ))}
        </SelectField>
        <button
          type="button"
          className="btn"
          onClick={() => void query.refetch()}
          disabled={query.isFetching}
          aria-busy={query.isFetching || undefined}
        >
          {t("log.refresh")}
        </button>
      </div>
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      {anyPending(messages) && <p className="muted wh-flush">{t("log.autoRefresh")}</p>}
      {query.error ? (
        <WebhookError error={query.error} />
      ) : query.isPending ? (
        <p className="muted" aria-busy="true">
          {t("state.loading", { ns: "common" })}
        </p>
      ) : messages.length === 0 ? (
        <p className="muted" data-testid="log-empty">
          {status ? t("log.emptyFiltered") : t("log.empty")}
        </p>
      ) : (
        <>
          <ul className="plain-list stack" aria-labelledby={headingId}>
            {messages.map((m) => (
              <Message
                key={m.id}
                m={m}
                kind={kind}
                canWrite={canWrite}
                onRedelivered={(mid) => setNotice(t("log.redelivered", { id: mid }))}
              />
            ))}
          </ul>
          <LoadMore query={query} />
        </>
      )}
    </section>
  );
}
