// The stats page, for every role (the API scopes the numbers: a promoter's links, an
// advertiser's offers, everything for admins): live counters for today, then a range with
// its totals, chart and table. The range, granularity, split and filters live in the URL.
import { lazy, Suspense, useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { ApiError } from "../../api/errors";
import { type GroupBy, type StatsAnswer, useStats } from "../../api/hooks/stats";
import { useUser } from "../../auth/useSession";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { currentLanguage } from "../../i18n";
import { downloadCsv, toCsv } from "../../lib/csv";
import { browserTimeZone } from "../../lib/dates";
import { formatMoneyMap, formatNumber, formatPercent, formatPeriod } from "../../lib/format";
import { ChartBoundary } from "./ChartBoundary";
import { Kpi, LiveCounters } from "./LiveCounters";
import { RangeControls } from "./RangeControls";
import { StatsTable } from "./StatsTable";
import { answerRange, chartPoints, statsCsvRows } from "./series";
import { changeView, parseStatsSearch, type StatsView, toApiQuery, toSearch } from "./view";
import "./stats.css";

// uPlot is its own chunk, fetched when the numbers arrive and the chart is first drawn: the
// totals and the table show first, without waiting for the chart's 23 KiB (gzipped).
const StatsChart = lazy(() => import("./StatsChart"));

export default function Stats() {
  const { t } = useTranslation("stats");
  const user = useUser();
  const lang = currentLanguage();
  const timeZone = useMemo(() => browserTimeZone(), []);
  const [search, setSearch] = useSearchParams();
  const view = useMemo(
    () => parseStatsSearch(search, { role: user.role, now: new Date(), timeZone }),
    [search, user.role, timeZone],
  );
  const query = useMemo(() => toApiQuery(view, timeZone), [view, timeZone]);
  // Both calls start on the first render: neither waits for the other.
  const stats = useStats(query);
  const liveOffer = user.role === "promoter" ? null : view.offer;

  function change(patch: Partial<StatsView>) {
    setSearch(toSearch(changeView(view, patch, new Date(), timeZone)), {
      preventScrollReset: true,
    });
  }

  function onlyHref(groupBy: GroupBy, value: string): string | null {
    const patch: Partial<StatsView> | null =
      groupBy === "offer" && /^\d+$/.test(value)
        ? { offer: Number(value) }
        : groupBy === "promoter" && /^\d+$/.test(value) && user.role !== "promoter"
          ? { promoter: Number(value) }
          : groupBy === "country" && /^[A-Z]{2}$/i.test(value)
            ? { country: value.toUpperCase() }
            : null;
    if (!patch) return null;
    return `?${toSearch(changeView(view, { ...patch, group: null }, new Date(), timeZone))}`;
  }

  const apiErrors = stats.error instanceof ApiError ? stats.error.fields : {};

  return (
    <section className="stack stats-page">
      <PageHeader title={t("title")} />
      <LiveCounters offerId={liveOffer} />
      <RangeControls view={view} role={user.role} apiErrors={apiErrors} onChange={change} />
      <p className="muted stats-note">{t("timeZone", { tz: timeZone })}</p>
      <div className="stack" aria-busy={stats.isFetching} data-testid="stats-result">
        {stats.isPlaceholderData && (
          <p className="muted stats-note" role="status">
            {t("updating")}
          </p>
        )}
        <QueryState query={stats}>
          {(answer) => (
            <Result answer={answer} fallbackRange={view} lang={lang} onlyHref={onlyHref} />
          )}
        </QueryState>
      </div>
    </section>
  );
}

interface ResultProps {
  answer: StatsAnswer;
  /** The range asked for, if the answer does not say which it covers. */
  fallbackRange: { from: string; to: string };
  lang: string;
  onlyHref: (groupBy: GroupBy, value: string) => string | null;
}

/** Totals, chart and table of one answer (or the empty state). */
function Result({ answer, fallbackRange, lang, onlyHref }: ResultProps) {
  const { t } = useTranslation("stats");
  const { t: tc } = useTranslation();
  const range = answerRange(answer) ?? fallbackRange;
  const totals = answer.totals;
  const points = useMemo(() => chartPoints(answer), [answer]);
  const unit = t(`chart.unit.${answer.granularity}`);
  const fromText = formatPeriod(range.from, "day", lang);
  const toText = formatPeriod(range.to, "day", lang);
  const summary = t("chart.summary", {
    from: fromText,
    to: toText,
    clicks: formatNumber(totals.clicks, lang),
    conversions: formatNumber(totals.conversions, lang),
  });

  function download() {
    const groupTitle = answer.group_by ? t(`group.${answer.group_by}`) : "";
    const rows = statsCsvRows(answer, {
      period: t("table.period"),
      group: groupTitle,
      clicks: t("metrics.clicks"),
      unique: t("metrics.unique"),
      conversions: t("metrics.conversions"),
      payout: (currency) => t("csv.payout", { currency }),
      cr: t("csv.cr"),
      epc: (currency) => t("csv.epc", { currency }),
    });
    downloadCsv(`afftok-stats-${range.from}-${range.to}.csv`, toCsv(rows));
  }

  return (
    <>
      <section className="stats-section" aria-labelledby="stats-totals-title">
        <h2 id="stats-totals-title">
          {t("totals.title")}{" "}
          <span className="muted stats-range">
            {t("totals.range", { from: fromText, to: toText })}
          </span>
        </h2>
        <div className="kpis">
          <Kpi
            label={t("metrics.clicks")}
            value={formatNumber(totals.clicks, lang)}
            id="total-clicks"
          />
          <Kpi
            label={t("metrics.unique")}
            value={formatNumber(totals.unique_clicks, lang)}
            id="total-unique"
          />
          <Kpi
            label={t("metrics.conversions")}
            value={formatNumber(totals.conversions, lang)}
            id="total-conversions"
          />
          <Kpi
            label={t("metrics.payout")}
            value={formatMoneyMap(totals.payout, lang)}
            id="total-payout"
          />
          <Kpi label={t("metrics.cr")} value={formatPercent(totals.cr, lang)} id="total-cr" />
          <Kpi label={t("metrics.epc")} value={formatMoneyMap(totals.epc, lang)} id="total-epc" />
          <Kpi
            label={t("metrics.filtered")}
            value={formatNumber(totals.filtered_clicks, lang)}
            id="total-filtered"
            hint={t("metrics.filteredHint")}
          />
        </div>
      </section>
      {answer.rows.length === 0 ? (
        <div className="card stats-empty" data-testid="stats-empty">
          <p>
            <strong>{t("empty")}</strong>
          </p>
          <p className="muted">{t("emptyHint")}</p>
        </div>
      ) : (
        <>
          <figure className="card stats-chart">
            <h2 className="stats-chart-title">{t("chart.title")}</h2>
            <ChartBoundary fallback={<p className="muted">{summary}</p>}>
              <Suspense
                fallback={
                  <div className="stats-chart-placeholder muted" aria-busy="true">
                    {t("chart.loading")}
                  </div>
                }
              >
                <StatsChart
                  points={points}
                  granularity={answer.granularity}
                  label={t("chart.label", { unit })}
                />
              </Suspense>
            </ChartBoundary>
            <figcaption className="muted" data-testid="chart-summary">
              {summary}
            </figcaption>
          </figure>
          <section className="stats-section" aria-labelledby="stats-table-title">
            <div className="stats-section-header">
              <h2 id="stats-table-title">{t("table.title")}</h2>
              <button type="button" className="btn btn-small" onClick={download} data-testid="csv">
                {tc("actions.download")}
              </button>
            </div>
            <StatsTable answer={answer} onlyHref={onlyHref} />
          </section>
        </>
      )}
    </>
  );
}
