import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { usePromoterStats } from "../../api/hooks/offers";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { currentLanguage } from "../../i18n";
import { browserTimeZone, type Preset, presetRange } from "../../lib/dates";
import { formatDate, formatMoneyMap, formatNumber, formatPercent } from "../../lib/format";
import { promoterLines } from "./lib/promoterStats";
import "./advertiser.css";

const PRESETS = ["7d", "30d", "90d"] as const satisfies readonly Preset[];
type RangePreset = (typeof PRESETS)[number];

function presetParam(v: string | null): RangePreset {
  return PRESETS.find((p) => p === v) ?? "30d";
}

export default function Promoters() {
  const { t } = useTranslation("advertiser");
  const lang = currentLanguage();
  const [params, setParams] = useSearchParams();
  const preset = presetParam(params.get("range"));
  const tz = browserTimeZone();
  // The range is fixed per day: recomputed when the preset changes, not on every render.
  const range = useMemo(() => presetRange(preset, new Date(), tz), [preset, tz]);
  const stats = usePromoterStats({ ...range, tz });
  const day = (d: string) => formatDate(`${d}T12:00:00Z`, lang, "UTC");

  return (
    <section className="adv-root">
      <PageHeader title={t("promoters.title")} />
      <p className="muted">{t("promoters.intro")}</p>
      <div className="adv-filters">
        <fieldset className="adv-segmented" style={{ border: 0, padding: 0 }}>
          <legend className="visually-hidden">{t("promoters.range")}</legend>
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              className="btn btn-small"
              aria-pressed={p === preset}
              onClick={() => setParams({ range: p }, { replace: true })}
            >
              {t(`promoters.presets.${p}`)}
            </button>
          ))}
        </fieldset>
        <span className="muted" data-testid="range">
          {t("promoters.rangeValue", { from: day(range.from), to: day(range.to) })}
        </span>
      </div>
      <QueryState query={stats}>
        {(answer) => {
          const lines = promoterLines(answer);
          if (lines.length === 0) return <p className="muted">{t("promoters.empty")}</p>;
          const estimated = lines.some((l) => !l.epcExact);
          const money = (m: Record<string, string>) =>
            Object.keys(m).length === 0 ? t("promoters.none") : formatMoneyMap(m, lang);
          return (
            <>
              <TableWrap label={t("promoters.title")}>
                <table data-testid="promoters">
                  <thead>
                    <tr>
                      <th scope="col">{t("promoters.columns.promoter")}</th>
                      <th scope="col" className="num">
                        {t("promoters.columns.clicks")}
                      </th>
                      <th scope="col" className="num">
                        {t("promoters.columns.conversions")}
                      </th>
                      <th scope="col" className="num">
                        {t("promoters.columns.payout")}
                      </th>
                      <th scope="col" className="num">
                        {t("promoters.columns.cr")}
                      </th>
                      <th scope="col" className="num">
                        {t("promoters.columns.epc")}
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {lines.map((l) => (
                      <tr key={l.promoter} data-promoter-id={l.promoter}>
                        <th scope="row">{t("promoters.promoter", { id: l.promoter })}</th>
                        <td className="num" data-testid="clicks">
                          {formatNumber(l.clicks, lang)}
                        </td>
                        <td className="num" data-testid="conversions">
                          {formatNumber(l.conversions, lang)}
                        </td>
                        <td className="num" data-testid="payout">
                          {money(l.payout)}
                        </td>
                        <td className="num">{formatPercent(l.cr, lang)}</td>
                        <td className="num">
                          {l.epcExact ? "" : "≈ "}
                          {money(l.epc)}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">{t("promoters.total")}</th>
                      <td className="num">{formatNumber(answer.totals.clicks, lang)}</td>
                      <td className="num">{formatNumber(answer.totals.conversions, lang)}</td>
                      <td className="num">{money(answer.totals.payout)}</td>
                      <td className="num">{formatPercent(answer.totals.cr, lang)}</td>
                      <td className="num">{money(answer.totals.epc)}</td>
                    </tr>
                  </tfoot>
                </table>
              </TableWrap>
              {estimated && <p className="hint">{t("promoters.estimatedHint")}</p>}
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
