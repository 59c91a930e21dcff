import { type FormEvent, Fragment, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import type { Schemas } from "../../api/client";
import {
  type Decision,
  fetchConversionsCsv,
  useConversion,
  useConversionAudit,
  useConversions,
  useDecideConversion,
} from "../../api/hooks/conversions";
import { useOfferNames } from "../../api/hooks/offers";
import { useSession } from "../../auth/useSession";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField, TextArea, TextField } from "../../components/Field";
import { FraudBadges } from "../../components/FraudBadges";
import { FraudFilterField } from "../../components/FraudFilterField";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { TestBadge } from "../../components/TestBadge";
import { useApiForm } from "../../components/useApiForm";
import { currentLanguage } from "../../i18n";
import { joinCsvPages } from "../../lib/csv";
import { browserTimeZone, dayIn } from "../../lib/dates";
import { formatDateTime, formatMoney } from "../../lib/format";
import { FRAUD_REASONS, type FraudFilter } from "../../lib/fraudReasons";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { ConversionStatusBadge } from "./components/StatusBadge";
import {
  CONVERSION_STATUSES,
  type ConversionFilters,
  conversionIdFromParams,
  filtersFromParams,
  filtersToParams,
  filtersToQuery,
} from "./lib/conversionFilters";
import "./advertiser.css";

type Conversion = Schemas["ConversionView"];

function money(amount: string | null | undefined, currency: string | null | undefined) {
  if (amount == null) return "—";
  return currency ? formatMoney(amount, currency, currentLanguage()) : amount;
}

function saveBlob(blob: Blob, filename: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** The filter form: edited freely, applied to the address (and so the list) on Apply. */
function Filters({
  filters,
  offerNames,
  onApply,
}: {
  filters: ConversionFilters;
  offerNames: { id: number; name: string }[] | undefined;
  onApply: (f: ConversionFilters) => void;
}) {
  const { t } = useTranslation("advertiser");
  const [status, setStatus] = useState(filters.status ?? "");
  const [offer, setOffer] = useState(filters.offerId === undefined ? "" : String(filters.offerId));
  const [fraud, setFraud] = useState(filters.fraud ?? "");
  const [from, setFrom] = useState(filters.from ?? "");
  const [to, setTo] = useState(filters.to ?? "");

  function submit(e: FormEvent) {
    e.preventDefault();
    const f: ConversionFilters = {};
    if (status) f.status = status as ConversionFilters["status"];
    if (/^\d+$/.test(offer.trim())) f.offerId = Number(offer.trim());
    if (fraud) f.fraud = fraud as FraudFilter;
    if (from) f.from = from;
    if (to) f.to = to;
    onApply(f);
  }

  function clear() {
    setStatus("");
    setOffer("");
    setFraud("");
    setFrom("");
    setTo("");
    onApply({});
  }

  return (
    <form className="adv-filters" onSubmit={submit} aria-label={t("conversions.filters")}>
      <SelectField
        label={t("conversions.status")}
        name="status"
        value={status}
        onChange={(e) => setStatus(e.target.value)}
      >
        <option value="">{t("conversions.anyStatus")}</option>
        {CONVERSION_STATUSES.map((s) => (
          <option key={s} value={s}>
            {t(`conversionStatus.${s}`)}
          </option>
        ))}
      </SelectField>
      {offerNames ? (
        <SelectField
          label={t("conversions.offer")}
          name="offer_id"
          value={offer}
          onChange={(e) => setOffer(e.target.value)}
        >
          <option value="">{t("conversions.anyOffer")}</option>
          {offer && !offerNames.some((o) => String(o.id) === offer) && (
            <option value={offer}>{t("conversions.ref", { id: offer })}</option>
          )}
          {offerNames.map((o) => (
            <option key={o.id} value={o.id}>
              {t("conversions.offerLabel", { id: o.id, name: o.name })}
            </option>
          ))}
        </SelectField>
      ) : (
        <TextField
          label={t("conversions.offerId")}
          name="offer_id"
          inputMode="numeric"
          pattern="[0-9]*"
          value={offer}
          onChange={(e) => setOffer(e.target.value)}
        />
      )}
      <FraudFilterField value={fraud} onChange={setFraud} reasons={FRAUD_REASONS} />
      <TextField
        label={t("conversions.from")}
        name="from"
        type="date"
        value={from}
        max={to || undefined}
        onChange={(e) => setFrom(e.target.value)}
      />
      <TextField
        label={t("conversions.to")}
        name="to"
        type="date"
        value={to}
        min={from || undefined}
        onChange={(e) => setTo(e.target.value)}
      />
      <div className="page-actions">
        <button type="submit" className="btn btn-primary">
          {t("conversions.apply")}
        </button>
        <button type="button" className="btn" onClick={clear}>
          {t("conversions.clear")}
        </button>
      </div>
    </form>
  );
}

function Audit({ id }: { id: string }) {
  const { t } = useTranslation("advertiser");
  const audit = useConversionAudit(id, true);
  const lang = currentLanguage();
  return (
    <section aria-label={t("conversions.audit.title")}>
      <h3 style={{ margin: "0.5rem 0" }}>{t("conversions.audit.title")}</h3>
      <QueryState query={audit}>
        {({ data }) =>
          data.length === 0 ? (
            <p className="muted">{t("conversions.audit.empty")}</p>
          ) : (
            <ol data-testid="audit" className="stack" style={{ gap: "0.25rem" }}>
              {data.map((a) => (
                <li key={`${a.at}-${a.from_status}-${a.to_status}`}>
                  <span>{formatDateTime(a.at, lang)}</span>{" "}
                  <strong>
                    {t("conversions.audit.change", {
                      from: t(`conversionStatus.${a.from_status}`),
                      to: t(`conversionStatus.${a.to_status}`),
                    })}
                  </strong>{" "}
                  <span className="muted">
                    {a.actor_id != null
                      ? t("conversions.audit.by", { id: a.actor_id })
                      : t("conversions.audit.system")}
                  </span>
                  {a.reason && <div>{t("conversions.audit.reason", { reason: a.reason })}</div>}
                </li>
              ))}
            </ol>
          )
        }
      </QueryState>
    </section>
  );
}

function Details({ c }: { c: Conversion }) {
  const { t } = useTranslation("advertiser");
  const { t: tc } = useTranslation();
  const lang = currentLanguage();
  const none = t("conversions.none");
  return (
    <div className="stack adv-detail-inner" style={{ gap: "0.5rem" }}>
      <dl className="adv-dl">
        <dt>{t("conversions.detail.id")}</dt>
        <dd className="adv-ltr">{c.id}</dd>
        <dt>{t("conversions.detail.click")}</dt>
        <dd className="adv-ltr">{c.click_id}</dd>
        <dt>{t("conversions.detail.source")}</dt>
        <dd>{t(`conversions.source.${c.source}`)}</dd>
        <dt>{t("conversions.detail.mode")}</dt>
        <dd>{c.test ? t("conversions.detail.test") : t("conversions.detail.live")}</dd>
        <dt>{t("conversions.detail.promoter")}</dt>
        <dd>{c.promoter_id != null ? t("conversions.ref", { id: c.promoter_id }) : none}</dd>
        <dt>{t("conversions.detail.country")}</dt>
        <dd>{c.country ?? none}</dd>
        <dt>{t("conversions.detail.sub1")}</dt>
        <dd className="adv-ltr">{c.sub1 ?? none}</dd>
        <dt>{t("conversions.detail.attributedAt")}</dt>
        <dd>{c.attributed_at ? formatDateTime(c.attributed_at, lang) : none}</dd>
        <dt>{t("conversions.detail.fraud")}</dt>
        <dd>
          {c.fraud.length === 0 ? (
            none
          ) : (
            <ul className="adv-reasons">
              {c.fraud.map((r) => (
                <li key={r}>
                  {t("conversions.detail.reason", {
                    label: tc(`reasons.label.${r}`),
                    hint: tc(`reasons.hint.${r}`),
                  })}
                </li>
              ))}
              {c.fraud_overruled && <li>{tc("reasons.overruledHint")}</li>}
            </ul>
          )}
        </dd>
      </dl>
      <Audit id={c.id} />
    </div>
  );
}

function DecisionDialog({
  c,
  decision,
  onClose,
  onDone,
}: {
  c: Conversion;
  decision: Decision;
  onClose: () => void;
  onDone: (c: Conversion, overruled: boolean) => void;
}) {
  const { t } = useTranslation("advertiser");
  const decide = useDecideConversion();
  const form = useApiForm();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const required = decision === "reverse";
  const lang = currentLanguage();
  // Approving a conversion rejected as fraud overrules its flags.
  const kind = decision === "approve" && c.status === "rejected_fraud" ? "overrule" : decision;

  async function confirm() {
    if (required && !reason.trim()) {
      setMissing(true);
      return;
    }
    const done = await form.submit(() => decide.mutateAsync({ id: c.id, decision, reason }));
    if (done) onDone(done, kind === "overrule");
  }

  return (
    <ConfirmDialog
      title={t(`conversions.dialog.${kind}.title`)}
      confirmLabel={t(`conversions.dialog.${kind}.confirm`)}
      danger={decision !== "approve"}
      pending={form.pending}
      error={form.error && !form.fields.reason ? form.error : null}
      onClose={onClose}
      onConfirm={confirm}
    >
      <p className="muted">
        {t("conversions.dialog.summary", {
          event: c.event,
          offer: c.offer_id ?? "—",
          time: formatDateTime(c.ts, lang),
        })}
      </p>
      {c.fraud.length > 0 && (
        <div className="adv-dialog-reasons">
          <span>{t("conversions.dialog.flagged")}</span>
          <FraudBadges reasons={c.fraud} overruled={c.fraud_overruled} />
        </div>
      )}
      <p>
        {t(`conversions.dialog.${kind}.body`, {
          payout: money(c.payout, c.payout_currency),
        })}
      </p>
      <TextArea
        label={t(required ? "conversions.dialog.reasonRequired" : "conversions.dialog.reason")}
        name="reason"
        required={required}
        maxLength={1000}
        hint={t("conversions.dialog.reasonHint")}
        value={reason}
        onChange={(e) => {
          setReason(e.target.value);
          setMissing(false);
        }}
        error={missing ? t("conversions.dialog.reasonMissing") : form.fields.reason}
      />
    </ConfirmDialog>
  );
}

export default function Conversions() {
  const { t } = useTranslation("advertiser");
  const lang = currentLanguage();
  const session = useSession();
  const role = session.status === "signed-in" ? session.user.role : null;
  const isAdvertiser = role === "advertiser";
  // Overruling fraud flags: the offer's advertiser, or an admin.
  const mayOverrule = role === "advertiser" || role === "admin";
  const [params, setParams] = useSearchParams();
  const paramsKey = params.toString();
  const filters = useMemo(() => filtersFromParams(new URLSearchParams(paramsKey)), [paramsKey]);
  const query = useMemo(() => filtersToQuery(filters), [filters]);
  // A link to one conversion (?id=): it alone, its details open, instead of the list.
  const oneId = conversionIdFromParams(params);
  const list = useConversions(query, oneId === null);
  const one = useConversion(oneId);
  const conversions =
    oneId === null
      ? list
      : {
          data: one.data ? { pages: [{ data: [one.data] }] } : undefined,
          error: one.error,
          isPending: one.isPending,
          refetch: one.refetch,
          hasNextPage: false,
          isFetchingNextPage: false,
          fetchNextPage: () => undefined,
        };
  const names = useOfferNames(role === "advertiser" || role === "admin");
  const offerName = new Map((names.data ?? []).map((o) => [o.id, o.name]));
  const [open, setOpen] = useState<Set<string>>(() => new Set(oneId ? [oneId] : []));
  const [deciding, setDeciding] = useState<{ c: Conversion; decision: Decision } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);

  function toggle(id: string) {
    setOpen((old) => {
      const next = new Set(old);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  async function download() {
    setDownloading(true);
    setDownloadError(null);
    try {
      const blob = await fetchConversionsCsv(query, joinCsvPages);
      saveBlob(blob, `conversions-${dayIn(new Date(), browserTimeZone())}.csv`);
    } catch (e) {
      setDownloadError(e);
    } finally {
      setDownloading(false);
    }
  }

  return (
    <section className="adv-root">
      <PageHeader
        title={t("conversions.title")}
        actions={
          <button
            type="button"
            className="btn"
            onClick={download}
            disabled={downloading}
            aria-busy={downloading || undefined}
            data-testid="download-csv"
          >
            {downloading ? t("conversions.downloading") : t("conversions.download")}
          </button>
        }
      />
      {downloadError ? <ErrorNotice error={downloadError} /> : null}
      <Filters
        key={paramsKey}
        filters={filters}
        offerNames={names.data}
        onApply={(f) => {
          setNotice(null);
          setParams(filtersToParams(f));
        }}
      />
      {oneId !== null && (
        <p className="notice notice-warn" data-testid="one-conversion">
          <span>{t("conversions.single")}</span>
          <Link to="/conversions">{t("conversions.showAll")}</Link>
        </p>
      )}
      {notice && (
        <p className="notice notice-ok" role="status">
          {notice}
        </p>
      )}
      <QueryState query={conversions}>
        {(data) => {
          const rows = data.pages.flatMap((p) => p.data);
          if (rows.length === 0) return <p className="muted">{t("conversions.empty")}</p>;
          return (
            <>
              <TableWrap label={t("conversions.title")}>
                <table data-testid="conversions">
                  <thead>
                    <tr>
                      <th scope="col">{t("conversions.columns.time")}</th>
                      <th scope="col">{t("conversions.columns.offer")}</th>
                      <th scope="col">{t("conversions.columns.status")}</th>
                      <th scope="col">{t("conversions.columns.fraud")}</th>
                      <th scope="col" className="num">
                        {t("conversions.columns.amount")}
                      </th>
                      <th scope="col" className="num">
                        {t("conversions.columns.payout")}
                      </th>
                      <th scope="col">{t("conversions.columns.txid")}</th>
                      <th scope="col">{t("conversions.columns.event")}</th>
                      <th scope="col">{t("conversions.columns.actions")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((c) => {
                      const expanded = open.has(c.id);
                      const detailId = `conversion-${c.id}`;
                      const name = c.offer_id != null ? offerName.get(c.offer_id) : undefined;
                      return (
                        <Fragment key={c.id}>
                          <tr
                            data-conversion-id={c.id}
                            data-status={c.status}
                            data-fraud={c.fraud.join(" ")}
                            data-test={c.test}
                            data-source={c.source}
                          >
                            <td>{formatDateTime(c.ts, lang)}</td>
                            <td>
                              {c.offer_id == null ? (
                                t("conversions.none")
                              ) : role === "promoter" ? (
                                t("conversions.ref", { id: c.offer_id })
                              ) : (
                                <Link to={`/offers/${c.offer_id}`}>
                                  {name
                                    ? t("conversions.offerLabel", { id: c.offer_id, name })
                                    : t("conversions.ref", { id: c.offer_id })}
                                </Link>
                              )}
                            </td>
                            <td>
                              <div className="adv-row-badges">
                                <ConversionStatusBadge status={c.status} />
                                {c.test && <TestBadge />}
                                {c.source === "browser" && (
                                  <span className="badge" data-testid="browser-badge">
                                    {t("conversions.source.browser")}
                                  </span>
                                )}
                              </div>
                            </td>
                            <td>
                              <FraudBadges reasons={c.fraud} overruled={c.fraud_overruled} />
                            </td>
                            <td className="num">
                              {money(c.amount, c.currency ?? c.payout_currency)}
                            </td>
                            <td className="num">{money(c.payout, c.payout_currency)}</td>
                            <td className="adv-ltr">{c.txid ?? t("conversions.none")}</td>
                            <td className="adv-ltr">{c.event}</td>
                            <td>
                              <div className="adv-row-actions">
                                <button
                                  type="button"
                                  className="btn btn-small"
                                  aria-expanded={expanded}
                                  aria-controls={detailId}
                                  onClick={() => toggle(c.id)}
                                >
                                  {expanded
                                    ? t("conversions.hideDetails")
                                    : t("conversions.details")}
                                </button>
                                {isAdvertiser && c.status === "pending_review" && (
                                  <>
                                    <button
                                      type="button"
                                      className="btn btn-small btn-primary"
                                      onClick={() => setDeciding({ c, decision: "approve" })}
                                    >
                                      {t("conversions.approve")}
                                    </button>
                                    <button
                                      type="button"
                                      className="btn btn-small btn-danger"
                                      onClick={() => setDeciding({ c, decision: "reject" })}
                                    >
                                      {t("conversions.reject")}
                                    </button>
                                  </>
                                )}
                                {mayOverrule && c.status === "rejected_fraud" && (
                                  <button
                                    type="button"
                                    className="btn btn-small"
                                    onClick={() => setDeciding({ c, decision: "approve" })}
                                  >
                                    {t("conversions.approveAnyway")}
                                  </button>
                                )}
                                {isAdvertiser && c.status === "approved" && (
                                  <button
                                    type="button"
                                    className="btn btn-small btn-danger"
                                    onClick={() => setDeciding({ c, decision: "reverse" })}
                                  >
                                    {t("conversions.reverse")}
                                  </button>
                                )}
                              </div>
                            </td>
                          </tr>
                          {expanded && (
                            <tr id={detailId} className="adv-detail">
                              <td colSpan={9}>
                                <Details c={c} />
                              </td>
                            </tr>
                          )}
                        </Fragment>
                      );
                    })}
                  </tbody>
                </table>
              </TableWrap>
              <LoadMore query={conversions} />
            </>
          );
        }}
      </QueryState>
      {deciding && (
        <DecisionDialog
          c={deciding.c}
          decision={deciding.decision}
          onClose={() => setDeciding(null)}
          onDone={(c, overruled) => {
            setDeciding(null);
            setNotice(
              t(overruled ? "conversions.overruled" : "conversions.decided", {
                status: t(`conversionStatus.${c.status}`),
              }),
            );
          }}
        />
      )}
    </section>
  );
}
