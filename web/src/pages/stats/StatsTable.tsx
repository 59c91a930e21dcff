import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { GroupBy, StatsAnswer, StatsRow } from "../../api/hooks/stats";
import { TableWrap } from "../../components/TableWrap";
import { currentLanguage } from "../../i18n";
import { formatMoneyMap, formatNumber, formatPercent, formatPeriod } from "../../lib/format";

/** A region's name in the language ("SA" → "Saudi Arabia"), or the code Intl does not know. */
export function countryName(code: string, lang: string): string {
  try {
    return new Intl.DisplayNames([lang], { type: "region" }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** How a group shows: ids as "#12", countries by name, an empty sub1 or country said so. */
export function useGroupLabel() {
  const { t } = useTranslation("stats");
  const lang = currentLanguage();
  return (groupBy: GroupBy, value: string): string => {
    switch (groupBy) {
      case "offer":
      case "promoter":
      case "advertiser":
        return t("table.id", { id: value });
      case "country":
        return value ? countryName(value, lang) : t("table.unknownCountry");
      case "sub1":
        return value || t("table.noSub1");
    }
  };
}

interface Props {
  answer: StatsAnswer;
  /** Where a group's "show only this" link goes (offer, promoter, country), or null. */
  onlyHref: (groupBy: GroupBy, value: string) => string | null;
}

/** Every row of the answer (periods, and groups when split), and the totals. */
export function StatsTable({ answer, onlyHref }: Props) {
  const { t } = useTranslation("stats");
  const lang = currentLanguage();
  const groupLabel = useGroupLabel();
  const g = answer.granularity;
  const groupBy = answer.group_by ?? null;
  const unit = t(`chart.unit.${g}`);

  function period(p: string) {
    const text = formatPeriod(p, g, lang);
    return g === "week" ? t("table.weekOf", { date: text }) : text;
  }

  function numbers(r: StatsRow) {
    return (
      <>
        <td className="num">{formatNumber(r.clicks, lang)}</td>
        <td className="num">{formatNumber(r.unique_clicks, lang)}</td>
        <td className="num">{formatNumber(r.conversions, lang)}</td>
        <td className="num">{formatMoneyMap(r.payout, lang)}</td>
        <td className="num">{formatPercent(r.cr, lang)}</td>
        <td className="num">{formatMoneyMap(r.epc, lang)}</td>
      </>
    );
  }

  return (
    <TableWrap className="stats-table-wrap" label={t("table.title")}>
      <table data-testid="stats-table">
        <caption className="visually-hidden">
          {groupBy
            ? t("table.captionGrouped", { unit, group: t(`group.${groupBy}`) })
            : t("table.caption", { unit })}
        </caption>
        <thead>
          <tr>
            <th scope="col">{t("table.period")}</th>
            {groupBy && <th scope="col">{t(`group.${groupBy}`)}</th>}
            <th scope="col" className="num">
              {t("metrics.clicks")}
            </th>
            <th scope="col" className="num">
              {t("metrics.unique")}
            </th>
            <th scope="col" className="num">
              {t("metrics.conversions")}
            </th>
            <th scope="col" className="num">
              {t("metrics.payout")}
            </th>
            <th scope="col" className="num">
              {t("metrics.cr")}
            </th>
            <th scope="col" className="num">
              {t("metrics.epc")}
            </th>
          </tr>
        </thead>
        <tbody>
          {answer.rows.map((r) => {
            const value = r.group ?? "";
            const href = groupBy ? onlyHref(groupBy, value) : null;
            const label = groupBy ? groupLabel(groupBy, value) : "";
            return (
              <tr key={`${r.period}|${value}`}>
                <th scope="row">{period(r.period)}</th>
                {groupBy && (
                  <td>
                    {href ? (
                      <Link to={href} aria-label={t("filters.only", { name: label })}>
                        {label}
                      </Link>
                    ) : (
                      label
                    )}
                  </td>
                )}
                {numbers(r)}
              </tr>
            );
          })}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={groupBy ? 2 : 1}>
              {t("table.total")}
            </th>
            {numbers(answer.totals)}
          </tr>
        </tfoot>
      </table>
    </TableWrap>
  );
}
