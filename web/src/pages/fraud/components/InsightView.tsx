// One insight (a promoter's or an offer's traffic over a range): the risk level and what
// decided it, the filtered clicks by reason, the click-to-conversion times, the conversion
// rates against each offer's other promoters, and the busiest IPs and subnets. Every figure
// is written as a number; the bars only repeat them.
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Insight } from "../../../api/hooks/fraud";
import { TableWrap } from "../../../components/TableWrap";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import {
  barLengths,
  bucketKey,
  filterGroups,
  formatRate,
  formatShare,
  formatZ,
} from "../lib/display";
import { English, ReasonLabel, RiskBadge } from "./Badges";

function Kpi({
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
        {value}
      </div>
      {hint && <div className="fraud-kpi-hint muted">{hint}</div>}
    </div>
  );
}

/** A section with its heading, named by it. */
function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="fraud-section" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function InsightView({
  insight,
  kind,
  search,
}: {
  insight: Insight;
  /** Whose traffic: a promoter's (its offers are listed) or an offer's (its promoters). */
  kind: "promoter" | "offer";
  /** The page's range, kept on links to other insights (`?from=…`). */
  search: string;
}) {
  const { t } = useTranslation("fraud");
  const lang = currentLanguage();
  const n = (v: number) => formatNumber(v, lang);
  const pct = (v: number) => formatShare(v, lang);
  const { clicks, ctit, risk } = insight;
  const ctitBars = barLengths(ctit.buckets.map((b) => b.conversions));
  const suffix = search ? `?${search}` : "";

  return (
    <div className="stack fraud-insight" data-testid="insight">
      <Section id="fraud-risk" title={t("risk.title")}>
        <div className="card stack">
          <p className="fraud-risk-line">
            <span>{t("risk.level")}</span> <RiskBadge level={risk.level} />
          </p>
          {risk.findings.length === 0 ? (
            <p className="muted" data-testid="no-findings">
              {t("risk.noFindings")}
            </p>
          ) : (
            <ul className="fraud-findings" aria-label={t("risk.findings")} data-testid="findings">
              {risk.findings.map((f) => (
                <li key={`${f.rule}-${f.text}`}>
                  <RiskBadge level={f.level} />{" "}
                  <span className="fraud-rule">{t(`rules.${f.rule}`)}</span>
                  <English block>{f.text}</English>
                </li>
              ))}
            </ul>
          )}
          {risk.notes.length > 0 && (
            <div>
              <h3 className="fraud-subtitle">{t("risk.notes")}</h3>
              <ul className="fraud-notes">
                {risk.notes.map((note) => (
                  <li key={note}>
                    <English block>{note}</English>
                  </li>
                ))}
              </ul>
            </div>
          )}
          {(risk.findings.length > 0 || risk.notes.length > 0) && lang !== "en" && (
            <p className="muted fraud-kpi-hint">{t("risk.inEnglish")}</p>
          )}
        </div>
      </Section>

      <Section id="fraud-clicks" title={t("clicks.title")}>
        <div className="kpis">
          <Kpi label={t("clicks.total")} value={n(clicks.total)} id="fraud-total" />
          <Kpi label={t("clicks.counted")} value={n(clicks.counted)} id="fraud-counted" />
          <Kpi
            label={t("clicks.filtered")}
            value={n(clicks.filtered)}
            id="fraud-filtered"
            hint={t("clicks.ofAll", { share: pct(clicks.filtered_share) })}
          />
          <Kpi
            label={t("clicks.flagged")}
            value={n(clicks.flagged)}
            id="fraud-flagged"
            hint={t("clicks.ofAll", { share: pct(clicks.flagged_share) })}
          />
          <Kpi label={t("ctit.conversions")} value={n(ctit.conversions)} id="fraud-conversions" />
        </div>
      </Section>

      <Section id="fraud-filtered" title={t("filtered.title")}>
        <p className="muted stats-note">{t("filtered.intro")}</p>
        <TableWrap label={t("filtered.title")}>
          <table data-testid="filtered-table" className="fraud-table-wrap">
            <caption className="visually-hidden">{t("filtered.caption")}</caption>
            <thead>
              <tr>
                <th scope="col">{t("filtered.reason")}</th>
                <th scope="col" className="num">
                  {t("filtered.clicks")}
                </th>
                <th scope="col" className="num">
                  {t("filtered.share")}
                </th>
                <th scope="col" className="fraud-bar-col">
                  <span className="visually-hidden">{t("filtered.bar")}</span>
                </th>
              </tr>
            </thead>
            {filterGroups(insight.filtered).map((group) => (
              <tbody key={group.name}>
                <tr className="fraud-group">
                  <th scope="rowgroup" colSpan={4}>
                    {t(`filtered.groups.${group.name}`)}
                  </th>
                </tr>
                {group.rows.map((f) => (
                  <tr
                    key={f.reason}
                    data-reason={f.reason}
                    className={f.clicks === 0 ? "muted" : ""}
                  >
                    <th scope="row">
                      <ReasonLabel code={f.reason} />
                      {!f.blocking && <div className="fraud-kpi-hint">{t("filtered.signal")}</div>}
                    </th>
                    <td className="num">{n(f.clicks)}</td>
                    <td className="num">{pct(f.share)}</td>
                    <td className="fraud-bar-col">
                      <Bar length={f.bar} />
                    </td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </TableWrap>
      </Section>

      <Section id="fraud-ctit" title={t("ctit.title")}>
        <p className="muted stats-note">{t("ctit.intro")}</p>
        <div className="kpis">
          <Kpi
            label={t("ctit.under10s")}
            value={pct(ctit.under_10s_share)}
            id="fraud-under-10s"
            hint={t("ctit.count", { n: n(ctit.under_10s) })}
          />
          <Kpi
            label={t("ctit.over24h")}
            value={pct(ctit.over_24h_share)}
            id="fraud-over-24h"
            hint={t("ctit.count", { n: n(ctit.over_24h) })}
          />
        </div>
        {ctit.conversions === 0 ? (
          <p className="muted">{t("ctit.empty")}</p>
        ) : (
          <TableWrap label={t("ctit.title")}>
            <table data-testid="ctit-table" className="fraud-table-wrap">
              <caption className="visually-hidden">{t("ctit.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("ctit.bucket")}</th>
                  <th scope="col" className="num">
                    {t("ctit.conversions")}
                  </th>
                  <th scope="col" className="num">
                    {t("ctit.share")}
                  </th>
                  <th scope="col" className="fraud-bar-col">
                    <span className="visually-hidden">{t("filtered.bar")}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {ctit.buckets.map((b, i) => {
                  const key = bucketKey(b);
                  return (
                    <tr key={b.label}>
                      <th scope="row">{key ? t(key) : <English>{b.label}</English>}</th>
                      <td className="num">{n(b.conversions)}</td>
                      <td className="num">{pct(b.share)}</td>
                      <td className="fraud-bar-col">
                        <Bar length={ctitBars[i] ?? 0} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </TableWrap>
        )}
      </Section>

      <Section id="fraud-rates" title={t("rates.title")}>
        <p className="muted stats-note">{t("rates.intro")}</p>
        {insight.conversion_rates.length === 0 ? (
          <p className="muted">{t("rates.empty")}</p>
        ) : (
          <TableWrap label={t("rates.title")}>
            <table data-testid="rates-table">
              <caption className="visually-hidden">{t("rates.caption")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("rates.offer")}</th>
                  {kind === "offer" && <th scope="col">{t("rates.promoter")}</th>}
                  <th scope="col" className="num">
                    {t("rates.clicks")}
                  </th>
                  <th scope="col" className="num">
                    {t("rates.conversions")}
                  </th>
                  <th scope="col" className="num">
                    {t("rates.cr")}
                  </th>
                  <th scope="col" className="num">
                    {t("rates.othersCr")}
                  </th>
                  <th scope="col" className="num">
                    {t("rates.z")}
                  </th>
                </tr>
              </thead>
              <tbody>
                {insight.conversion_rates.map((r) => (
                  <tr key={`${r.offer_id}-${r.promoter_id}`}>
                    <th scope="row">
                      <Link to={`/fraud/offers/${r.offer_id}${suffix}`}>
                        {t("rates.offerId", { id: r.offer_id })}
                      </Link>
                    </th>
                    {kind === "offer" && (
                      <td>
                        <Link to={`/fraud/promoters/${r.promoter_id}${suffix}`}>
                          {t("rates.promoterId", { id: r.promoter_id })}
                        </Link>
                      </td>
                    )}
                    <td className="num">{n(r.clicks)}</td>
                    <td className="num">{n(r.conversions)}</td>
                    <td className="num">{formatRate(r.cr, lang)}</td>
                    <td className="num fraud-others">
                      {r.others.cr == null || r.others.clicks == null ? (
                        // Too few other promoters for a promoter to see their figures.
                        <div className="fraud-kpi-hint muted">
                          {t("rates.othersPrivate", { n: n(r.others.promoters) })}
                        </div>
                      ) : (
                        <>
                          {formatRate(r.others.cr, lang)}
                          <div className="fraud-kpi-hint muted">
                            {t("rates.others", {
                              n: n(r.others.promoters),
                              clicks: n(r.others.clicks),
                            })}
                          </div>
                        </>
                      )}
                    </td>
                    <td className="num fraud-z">
                      {r.z === null || r.z === undefined ? (
                        <>
                          <span>{t("rates.noZ")}</span>
                          {r.z_unavailable && (
                            <div className="fraud-kpi-hint muted">
                              <English>{r.z_unavailable}</English>
                            </div>
                          )}
                        </>
                      ) : (
                        <span dir="ltr">{formatZ(r.z, lang)}</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
        {insight.conversion_rates_omitted > 0 && (
          <p className="muted stats-note">
            {t("rates.omitted", {
              n: n(insight.conversion_rates_omitted),
            })}
          </p>
        )}
      </Section>

      <div className="fraud-tops">
        <Section id="fraud-ips" title={t("tops.ips")}>
          <TopTable
            rows={insight.top_ips.map((r) => ({ key: r.ip, clicks: r.clicks, share: r.share }))}
            keyTitle={t("tops.ip")}
            caption={t("tops.ipsCaption")}
            testid="top-ips"
          />
        </Section>
        <Section id="fraud-subnets" title={t("tops.subnets")}>
          <TopTable
            rows={insight.top_subnets.map((r) => ({
              key: r.subnet,
              clicks: r.clicks,
              share: r.share,
            }))}
            keyTitle={t("tops.subnet")}
            caption={t("tops.subnetsCaption")}
            testid="top-subnets"
          />
        </Section>
      </div>
    </div>
  );
}

/** A bar that repeats a number already written next to it (hidden from screen readers). */
function Bar({ length }: { length: number }) {
  return (
    <span className="fraud-bar" aria-hidden="true">
      <span className="fraud-bar-fill" style={{ inlineSize: `${length}%` }} />
    </span>
  );
}

function TopTable({
  rows,
  keyTitle,
  caption,
  testid,
}: {
  rows: { key: string; clicks: number; share: number }[];
  keyTitle: string;
  caption: string;
  testid: string;
}) {
  const { t } = useTranslation("fraud");
  const lang = currentLanguage();
  if (rows.length === 0) return <p className="muted">{t("tops.empty")}</p>;
  return (
    <TableWrap label={caption}>
      <table data-testid={testid}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{keyTitle}</th>
            <th scope="col" className="num">
              {t("tops.clicks")}
            </th>
            <th scope="col" className="num">
              {t("tops.share")}
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">
                <bdi dir="ltr" className="fraud-address">
                  {r.key}
                </bdi>
              </th>
              <td className="num">{formatNumber(r.clicks, lang)}</td>
              <td className="num">{formatShare(r.share, lang)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
