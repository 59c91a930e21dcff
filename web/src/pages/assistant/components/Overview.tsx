import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Schemas } from "../../../api/client";
import type { AssistantLevel, Overview, PeriodView } from "../../../api/hooks/assistant";
import { useUser } from "../../../auth/useSession";
import { currentLanguage } from "../../../i18n";
import {
  formatDate,
  formatMoney,
  formatMoneyMap,
  formatNumber,
  formatPercent,
} from "../../../lib/format";
import { useLevelName } from "../../points/lib/useLevelName";
import {
  type Direction,
  directionOf,
  isolate,
  signedCount,
  signedMoney,
  signedPercent,
  signedPoints,
} from "../lib/display";

type Change = { text: string; direction: Direction };

const ARROWS: Record<Direction, string> = { up: "▲", down: "▼", same: "=" };

function ChangeLine({ changes, testid }: { changes: Change[]; testid: string }) {
  return (
    <>
      {changes.map((c, i) => (
        <span
          // Currencies of one metric: fixed order, never reordered.
          // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list
          key={i}
          className={`asst-change asst-${c.direction}`}
          data-testid={testid}
          data-direction={c.direction}
        >
          <span aria-hidden="true">{ARROWS[c.direction]} </span>
          {c.text}
        </span>
      ))}
    </>
  );
}

/** The changes of one period, in words with their signs. */
function useChanges() {
  const { t } = useTranslation("assistant");
  const lang = currentLanguage();
  const said = (abs: string, pct: number | null | undefined, direction: Direction): Change => {
    if (direction === "same") return { text: t("overview.same"), direction };
    const change =
      pct === null || pct === undefined
        ? isolate(abs, lang)
        : t("overview.changeWithPercent", {
            abs: isolate(abs, lang),
            pct: isolate(signedPercent(pct, lang), lang),
          });
    return {
      text:
        pct === null || pct === undefined
          ? t("overview.noneBefore", { change })
          : t("overview.change", { change }),
      direction,
    };
  };
  return {
    count: (c: Schemas["CountChange"]) => [
      said(signedCount(c.abs, lang), c.pct, directionOf(c.abs)),
    ],
    rate: (c: Schemas["RateChange"]) => [
      said(t("overview.crPoints", { value: signedPoints(c.abs, lang) }), c.pct, directionOf(c.abs)),
    ],
    money: (m: Record<string, Schemas["MoneyChange"]>) => {
      const entries = Object.entries(m).sort(([a], [b]) => a.localeCompare(b));
      if (entries.length === 0) return [said("", null, "same")];
      return entries.map(([currency, c]) =>
        said(signedMoney(c.abs, currency, lang), c.pct, directionOf(c.abs)),
      );
    },
  };
}

function Period({ p }: { p: PeriodView }) {
  const { t } = useTranslation("assistant");
  const lang = currentLanguage();
  const id = useId();
  const changes = useChanges();
  const c = p.current;
  // UTC days, written as the language writes dates.
  const day = (d: string) => isolate(formatDate(d, lang, "UTC"), lang);
  const span = (from: string, to: string) =>
    from === to ? day(from) : t("overview.range", { from: day(from), to: day(to) });
  const rows: { key: string; label: string; value: string; change: Change[] }[] = [
    {
      key: "clicks",
      label: t("overview.metrics.clicks"),
      value: formatNumber(c.clicks, lang),
      change: changes.count(p.change.clicks),
    },
    {
      key: "unique-clicks",
      label: t("overview.metrics.uniqueClicks"),
      value: formatNumber(c.unique_clicks, lang),
      change: changes.count(p.change.unique_clicks),
    },
    {
      key: "conversions",
      label: t("overview.metrics.conversions"),
      value: formatNumber(c.conversions, lang),
      change: changes.count(p.change.conversions),
    },
    {
      key: "cr",
      label: t("overview.metrics.cr"),
      value: formatPercent(c.cr, lang),
      change: changes.rate(p.change.cr),
    },
    {
      key: "payout",
      label: t("overview.metrics.payout"),
      value: formatMoneyMap(c.payout, lang),
      change: changes.money(p.change.payout),
    },
    {
      key: "epc",
      label: t("overview.metrics.epc"),
      value: formatMoneyMap(c.epc, lang),
      change: changes.money(p.change.epc),
    },
  ];
  return (
    <section
      className="card stack"
      aria-labelledby={`${id}-title`}
      data-testid="overview-period"
      data-period={p.period}
    >
      <div>
        <h3 id={`${id}-title`} className="asst-h3">
          {t(`overview.periods.${p.period}`, { defaultValue: p.period })}
        </h3>
        <p className="asst-meta muted">
          {span(p.from, p.to)}
          {" · "}
          {t("overview.against", { days: span(p.previous_from, p.previous_to) })}
        </p>
      </div>
      <dl className="asst-metrics">
        {rows.map((r) => (
          <div key={r.key}>
            <dt>{r.label}</dt>
            <dd>
              <span data-testid={`overview-${r.key}`}>{r.value}</span>
              <ChangeLine changes={r.change} testid={`overview-${r.key}-change`} />
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Level({ level }: { level: AssistantLevel }) {
  const { t } = useTranslation("assistant");
  const lang = currentLanguage();
  const levelName = useLevelName();
  const id = useId();
  const percent = Math.round(Math.min(1, Math.max(0, level.progress)) * 100);
  const next = level.next_level ? levelName(level.next_level) : null;
  const toNext =
    next && level.points_to_next != null
      ? level.points_to_next === 1
        ? t("overview.level.toNextOne", { level: next })
        : t("overview.level.toNext", {
            points: formatNumber(level.points_to_next, lang),
            level: next,
          })
      : t("overview.level.top");
  return (
    <section className="card stack" aria-labelledby={`${id}-title`} data-testid="overview-level">
      <h3 id={`${id}-title`} className="asst-h3">
        {t("overview.level.title")}
      </h3>
      <p className="asst-flush" data-testid="overview-level-line">
        {t("overview.level.line", {
          level: levelName(level.level),
          points: formatNumber(level.lifetime_points, lang),
        })}
      </p>
      <div id={`${id}-bar`} className="muted">
        {next ? t("overview.level.progress", { level: next }) : t("overview.level.progressTop")}
      </div>
      <div
        className="asst-bar"
        role="progressbar"
        aria-labelledby={`${id}-bar`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${toNext} (${t("overview.level.percent", { percent: formatPercent(percent / 100, lang) })})`}
      >
        <span className="asst-bar-fill" style={{ inlineSize: `${percent}%` }} />
      </div>
      <p className="asst-flush" data-testid="overview-to-next">
        {toNext}
      </p>
    </section>
  );
}

function BestOffer({ best }: { best: Overview["best_offer"] }) {
  const { t } = useTranslation("assistant");
  const lang = currentLanguage();
  const user = useUser();
  const id = useId();
  const href =
    best && user.role === "promoter"
      ? `/marketplace/${best.offer_id}`
      : best && user.role === "advertiser"
        ? `/offers/${best.offer_id}`
        : null;
  return (
    <section className="card stack" aria-labelledby={`${id}-title`} data-testid="overview-best">
      <h3 id={`${id}-title`} className="asst-h3">
        {t("overview.best.title")}
      </h3>
      {best ? (
        <>
          <p className="asst-flush" data-testid="overview-best-name" dir="auto">
            {href ? <Link to={href}>{best.name}</Link> : best.name}
          </p>
          <dl className="asst-figures">
            <div>
              <dt>{t("overview.best.payout")}</dt>
              <dd>{formatMoney(best.payout, best.currency, lang)}</dd>
            </div>
            <div>
              <dt>{t("overview.best.conversions")}</dt>
              <dd>{formatNumber(best.conversions, lang)}</dd>
            </div>
            <div>
              <dt>{t("overview.best.clicks")}</dt>
              <dd>{formatNumber(best.clicks, lang)}</dd>
            </div>
            <div>
              <dt>{t("overview.best.cr")}</dt>
              <dd>{formatPercent(best.cr, lang)}</dd>
            </div>
            {best.epc && (
              <div>
                <dt>{t("overview.best.epc")}</dt>
                <dd>{formatMoney(best.epc, best.currency, lang)}</dd>
              </div>
            )}
          </dl>
        </>
      ) : (
        <p className="asst-flush muted">{t("overview.best.none")}</p>
      )}
    </section>
  );
}

/** The overview: its sentences, the three periods, the level and the best offer. */
export function OverviewView({ overview }: { overview: Overview }) {
  const { t } = useTranslation("assistant");
  return (
    <div className="stack">
      <p className="asst-flush muted">
        {t("overview.days", {
          today: isolate(formatDate(overview.today, currentLanguage(), "UTC"), currentLanguage()),
        })}
      </p>
      {overview.summary.length > 0 && (
        <div className="card">
          <h3 className="asst-h3">{t("overview.summary")}</h3>
          <ul className="asst-reasons" data-testid="overview-summary">
            {overview.summary.map((s) => (
              <li key={s} dir="auto">
                {s}
              </li>
            ))}
          </ul>
        </div>
      )}
      <div className="asst-periods">
        {overview.periods.map((p) => (
          <Period key={p.period} p={p} />
        ))}
      </div>
      <div className="cards">
        {overview.level && <Level level={overview.level} />}
        <BestOffer best={overview.best_offer} />
      </div>
    </div>
  );
}
