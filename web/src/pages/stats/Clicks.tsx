// The clicks page, for every role (the API scopes the list: a promoter's links, an
// advertiser's offers, everything for admins): the raw clicks newest first, with their
// verdict and fraud reasons, filtered through the address, and a CSV of the same filters.
import { type FormEvent, useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { ApiError } from "../../api/errors";
import { fetchClicksCsv, useClicks } from "../../api/hooks/clicks";
import { useOfferNames } from "../../api/hooks/offers";
import { useUser } from "../../auth/useSession";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField, TextField } from "../../components/Field";
import { FraudBadges } from "../../components/FraudBadges";
import { FraudFilterField } from "../../components/FraudFilterField";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { TestBadge } from "../../components/TestBadge";
import { currentLanguage } from "../../i18n";
import { joinCsvPages } from "../../lib/csv";
import { browserTimeZone, dayIn } from "../../lib/dates";
import { formatDateTime } from "../../lib/format";
import { CLICK_REASONS, type FraudFilter } from "../../lib/fraudReasons";
import {
  type ClickFilters,
  checkClickRange,
  clickFiltersFromParams,
  clickFiltersToParams,
  clickFiltersToQuery,
  MAX_RANGE_DAYS,
  VERDICTS,
  type Verdict,
} from "./clickFilters";
import { countryName } from "./StatsTable";
import "./stats.css";

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
  apiErrors,
  onApply,
}: {
  filters: ClickFilters;
  offerNames: { id: number; name: string }[] | undefined;
  apiErrors: Record<string, string>;
  onApply: (f: ClickFilters) => void;
}) {
  const { t } = useTranslation("stats");
  const [offer, setOffer] = useState(filters.offerId === undefined ? "" : String(filters.offerId));
  const [verdict, setVerdict] = useState(filters.verdict ?? "");
  const [fraud, setFraud] = useState(filters.fraud ?? "");
  const [from, setFrom] = useState(filters.from ?? "");
  const [to, setTo] = useState(filters.to ?? "");
  const [problem, setProblem] = useState<string | undefined>();

  function submit(e: FormEvent) {
    e.preventDefault();
    const found = checkClickRange(from, to);
    if (found.to) {
      setProblem(t(`clicks.problems.${found.to}`, { days: MAX_RANGE_DAYS }));
      return;
    }
    const f: ClickFilters = {};
    if (/^\d+$/.test(offer.trim())) f.offerId = Number(offer.trim());
    if (verdict) f.verdict = verdict as Verdict;
    if (fraud) f.fraud = fraud as FraudFilter;
    if (from) f.from = from;
    if (to) f.to = to;
    onApply(f);
  }

  function clear() {
    setOffer("");
    setVerdict("");
    setFraud("");
    setFrom("");
    setTo("");
    setProblem(undefined);
    onApply({});
  }

  const placed = ["offer_id", "verdict", "fraud", "from", "to"];
  const others = Object.entries(apiErrors).filter(([field]) => !placed.includes(field));

  return (
    <form
      className="clicks-filters"
      onSubmit={submit}
      noValidate
      aria-label={t("clicks.filters")}
      data-testid="click-filters"
    >
      {offerNames ? (
        <SelectField
          label={t("clicks.offer")}
          name="offer_id"
          value={offer}
          onChange={(e) => setOffer(e.target.value)}
          error={apiErrors.offer_id}
        >
          <option value="">{t("clicks.anyOffer")}</option>
          {offer && !offerNames.some((o) => String(o.id) === offer) && (
            <option value={offer}>{t("clicks.ref", { id: offer })}</option>
          )}
          {offerNames.map((o) => (
            <option key={o.id} value={o.id}>
              {t("clicks.offerLabel", { id: o.id, name: o.name })}
            </option>
          ))}
        </SelectField>
      ) : (
        <TextField
          label={t("clicks.offerId")}
          name="offer_id"
          inputMode="numeric"
          pattern="[0-9]*"
          value={offer}
          onChange={(e) => setOffer(e.target.value)}
          error={apiErrors.offer_id}
        />
      )}
      <SelectField
        label={t("clicks.verdictLabel")}
        name="verdict"
        value={verdict}
        onChange={(e) => setVerdict(e.target.value)}
        error={apiErrors.verdict}
      >
        <option value="">{t("clicks.anyVerdict")}</option>
        {VERDICTS.map((v) => (
          <option key={v} value={v}>
            {t(`clicks.verdict.${v}`)}
          </option>
        ))}
      </SelectField>
      <FraudFilterField
        value={fraud}
        onChange={setFraud}
        reasons={CLICK_REASONS}
        error={apiErrors.fraud}
      />
      <TextField
        label={t("clicks.from")}
        name="from"
        type="date"
        value={from}
        max={to || undefined}
        onChange={(e) => {
          setFrom(e.target.value);
          setProblem(undefined);
        }}
        error={apiErrors.from}
      />
      <TextField
        label={t("clicks.to")}
        name="to"
        type="date"
        value={to}
        min={from || undefined}
        onChange={(e) => {
          setTo(e.target.value);
          setProblem(undefined);
        }}
        error={problem ?? apiErrors.to}
      />
      <div className="page-actions">
        <button type="submit" className="btn btn-primary">
          {t("clicks.apply")}
        </button>
        <button type="button" className="btn" onClick={clear}>
          {t("clicks.clear")}
        </button>
      </div>
      {others.length > 0 && (
        <ul className="field-error clicks-other-errors" role="alert">
          {others.map(([field, message]) => (
            <li key={field}>{t("apiProblem", { field, message })}</li>
          ))}
        </ul>
      )}
    </form>
  );
}

export default function Clicks() {
  const { t } = useTranslation("stats");
  const { t: tc } = useTranslation();
  const lang = currentLanguage();
  const user = useUser();
  const seesPromoters = user.role !== "promoter";
  const [params, setParams] = useSearchParams();
  const paramsKey = params.toString();
  const filters = useMemo(
    () => clickFiltersFromParams(new URLSearchParams(paramsKey)),
    [paramsKey],
  );
  const query = useMemo(() => clickFiltersToQuery(filters), [filters]);
  const clicks = useClicks(query);
  const names = useOfferNames(seesPromoters);
  const offerName = new Map((names.data ?? []).map((o) => [o.id, o.name]));
  const [downloading, setDownloading] = useState(false);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const apiErrors = clicks.error instanceof ApiError ? clicks.error.fields : {};

  async function download() {
    setDownloading(true);
    setDownloadError(null);
    try {
      const blob = await fetchClicksCsv(query, joinCsvPages);
      saveBlob(blob, `clicks-${dayIn(new Date(), browserTimeZone())}.csv`);
    } catch (e) {
      setDownloadError(e);
    } finally {
      setDownloading(false);
    }
  }

  return (
    <section className="stack clicks-page">
      <PageHeader
        title={t("clicks.title")}
        actions={
          <button
            type="button"
            className="btn"
            onClick={download}
            disabled={downloading}
            aria-busy={downloading || undefined}
            data-testid="download-clicks-csv"
          >
            {downloading ? t("clicks.downloading") : t("clicks.download")}
          </button>
        }
      />
      {downloadError ? <ErrorNotice error={downloadError} /> : null}
      <p className="muted stats-note">
        {t(`clicks.intro.${user.role}`)} {t("clicks.range", { days: MAX_RANGE_DAYS })}
      </p>
      <Filters
        key={paramsKey}
        filters={filters}
        offerNames={names.data}
        apiErrors={apiErrors}
        onApply={(f) => setParams(clickFiltersToParams(f))}
      />
      <p className="muted stats-note">{tc("reasons.legend")}</p>
      <div className="stack" aria-busy={clicks.isFetching} data-testid="clicks-result">
        {clicks.isPlaceholderData && (
          <p className="muted stats-note" role="status">
            {t("updating")}
          </p>
        )}
        <QueryState query={clicks}>
          {(data) => {
            const rows = data.pages.flatMap((p) => p.data);
            if (rows.length === 0) {
              return (
                <p className="muted" data-testid="clicks-empty">
                  {t("clicks.empty")}
                </p>
              );
            }
            return (
              <>
                <TableWrap label={t("clicks.title")}>
                  <table data-testid="clicks">
                    <thead>
                      <tr>
                        <th scope="col">{t("clicks.columns.time")}</th>
                        <th scope="col">{t("clicks.columns.offer")}</th>
                        {seesPromoters && <th scope="col">{t("clicks.columns.promoter")}</th>}
                        <th scope="col">{t("clicks.columns.verdict")}</th>
                        <th scope="col">{t("clicks.columns.unique")}</th>
                        <th scope="col">{t("clicks.columns.country")}</th>
                        <th scope="col">{t("clicks.columns.sub1")}</th>
                        <th scope="col">{t("clicks.columns.fraud")}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {rows.map((c) => {
                        const name = offerName.get(c.offer_id);
                        const sub1 = c.subs[0];
                        return (
                          <tr
                            key={c.id}
                            data-click-id={c.id}
                            data-verdict={c.verdict}
                            data-fraud={c.fraud.join(" ")}
                            data-test={c.test}
                          >
                            <td>
                              {formatDateTime(c.ts, lang)}
                              {c.test && (
                                <>
                                  {" "}
                                  <TestBadge />
                                </>
                              )}
                            </td>
                            <td>
                              {user.role === "advertiser" ? (
                                <Link to={`/offers/${c.offer_id}`}>
                                  {name
                                    ? t("clicks.offerLabel", { id: c.offer_id, name })
                                    : t("clicks.ref", { id: c.offer_id })}
                                </Link>
                              ) : name ? (
                                t("clicks.offerLabel", { id: c.offer_id, name })
                              ) : (
                                t("clicks.ref", { id: c.offer_id })
                              )}
                            </td>
                            {seesPromoters && <td>{t("clicks.ref", { id: c.promoter_id })}</td>}
                            <td>
                              {(VERDICTS as readonly string[]).includes(c.verdict)
                                ? t(`clicks.verdict.${c.verdict as Verdict}`)
                                : c.verdict}
                            </td>
                            <td>{c.unique ? t("clicks.yes") : t("clicks.no")}</td>
                            <td>{c.country ? countryName(c.country, lang) : t("clicks.none")}</td>
                            <td className="clicks-ltr">{sub1 ?? t("clicks.none")}</td>
                            <td>
                              <FraudBadges reasons={c.fraud} />
                            </td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                </TableWrap>
                <LoadMore query={clicks} />
              </>
            );
          }}
        </QueryState>
      </div>
    </section>
  );
}
