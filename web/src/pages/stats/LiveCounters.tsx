import { Fragment } from "react";
import { useTranslation } from "react-i18next";
import { useLiveStats } from "../../api/hooks/stats";
import { ErrorNotice } from "../../components/ErrorNotice";
import { currentLanguage } from "../../i18n";
import { formatMoneyMap, formatNumber } from "../../lib/format";

/**
 * Today's counters, read again every 5 s while the tab is visible. The numbers update in
 * place without announcing each tick (no live region): the totals below are the reading.
 */
export function LiveCounters({ offerId }: { offerId: number | null }) {
  const { t } = useTranslation("stats");
  const lang = currentLanguage();
  const live = useLiveStats(offerId);
  const data = live.data;
  return (
    <section className="stats-section" aria-labelledby="stats-live-title">
      <h2 id="stats-live-title" className="stats-live-title">
        <span className="stats-live-dot" aria-hidden="true" />
        {t("live.title")}
      </h2>
      {data ? (
        <>
          <p className="muted stats-note">
            {t("live.hint", { day: data.day })}
            {offerId !== null && ` ${t("live.offer", { id: offerId })}`}
          </p>
          <div className="kpis" data-testid="live">
            <Kpi
              label={t("metrics.clicks")}
              value={formatNumber(data.clicks, lang)}
              id="live-clicks"
            />
            <Kpi
              label={t("metrics.unique")}
              value={formatNumber(data.unique_clicks, lang)}
              id="live-unique"
            />
            <Kpi
              label={t("metrics.conversions")}
              value={formatNumber(data.conversions, lang)}
              id="live-conversions"
            />
            <Kpi
              label={t("metrics.payout")}
              value={formatMoneyMap(data.payout, lang)}
              id="live-payout"
            />
            <Kpi
              label={t("metrics.filtered")}
              value={formatNumber(data.filtered_clicks, lang)}
              id="live-filtered"
              hint={t("metrics.filteredHint")}
            />
          </div>
          {live.error ? <p className="muted stats-note">{t("live.stale")}</p> : null}
        </>
      ) : live.error ? (
        <ErrorNotice error={live.error} onRetry={() => void live.refetch()} />
      ) : (
        <p className="muted" aria-busy="true">
          {t("state.loading", { ns: "common" })}
        </p>
      )}
    </section>
  );
}

/** What formatMoneyMap puts between currencies. */
const SEPARATOR = " · ";

/** One number with its label (a definition-like card); `id` is its data-testid. */
export function Kpi({
  label,
  value,
  id,
  hint,
}: {
  label: string;
  value: string;
  id: string;
  hint?: string;
}) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={id}>
        {value.split(SEPARATOR).map((part, i) => (
          // Sums in several currencies wrap between currencies, never inside an amount.
          // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one fixed string
          <Fragment key={i}>
            {i > 0 && SEPARATOR}
            <span className="stats-kpi-part">{part}</span>
          </Fragment>
        ))}
      </div>
      {hint && <div className="stats-kpi-hint muted">{hint}</div>}
    </div>
  );
}
