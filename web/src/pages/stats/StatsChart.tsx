// The clicks and conversions chart (uPlot), loaded as its own chunk. The x axis holds one
// point per period (by index, so hours, weeks and months are evenly spaced whatever the zone
// does); in Arabic the x scale runs right to left (`dir: -1`) and the y axes swap sides.
// Canvas is not readable by screen readers: the figure around it carries the summary, and
// the table lists every number.
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Granularity } from "../../api/hooks/stats";
import { currentLanguage, directionOf } from "../../i18n";
import { formatNumber, formatPeriod } from "../../lib/format";
import type { PeriodSums } from "./series";

const CLICKS = "#1d4ed8";
const CONVERSIONS = "#047857";

/** Whole-number steps only: counts have no fractions. */
const COUNT_INCRS = Array.from({ length: 13 }, (_, e) => [1, 2, 5].map((m) => m * 10 ** e)).flat();
/** Index steps that fall on natural boundaries (hours of a day, days of a week or month). */
const PERIOD_INCRS = [1, 2, 3, 4, 6, 7, 12, 14, 24, 28, 48, 56, 72, 96, 168, 336, 672, 1344];

/** A short axis label for a period, by Intl in the language (the period's own wall time). */
function axisFormatter(granularity: Granularity, lang: string): (period: string) => string {
  const opts: Intl.DateTimeFormatOptions =
    granularity === "hour"
      ? { month: "short", day: "numeric", hour: "numeric" }
      : granularity === "month"
        ? { month: "short", year: "numeric" }
        : { month: "short", day: "numeric" };
  const f = new Intl.DateTimeFormat(lang, { ...opts, timeZone: "UTC" });
  return (period) => {
    const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(period);
    if (!m) return period;
    const [, y, mo, d, h] = m;
    return f.format(new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0))));
  };
}

function heightFor(width: number): number {
  return width < 480 ? 220 : 280;
}

interface Props {
  points: PeriodSums[];
  granularity: Granularity;
  /** The chart's accessible name (the figure's caption has the numbers). */
  label: string;
}

export default function StatsChart({ points, granularity, label }: Props) {
  const { t } = useTranslation("stats");
  const lang = currentLanguage();
  const rtl = directionOf(lang) === "rtl";
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const axisLabel = axisFormatter(granularity, lang);
    const count = new Intl.NumberFormat(lang, { notation: "compact", maximumFractionDigits: 1 });
    const period = (i: number | null | undefined) => {
      const p = i === null || i === undefined ? undefined : points[Math.round(i)];
      return p ? p.period : null;
    };
    const yRange: uPlot.Scale.Range = (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.1) : 1];
    const width = el.clientWidth || 320;
    const opts: uPlot.Options = {
      width,
      height: heightFor(width),
      scales: {
        x: {
          time: false,
          dir: rtl ? -1 : 1,
          range: (_u, min, max) => (min === max ? [min - 0.5, max + 0.5] : [min, max]),
        },
        clicks: { range: yRange },
        conversions: { range: yRange },
      },
      series: [
        {
          label: t("table.period"),
          value: (_u, v) => {
            const p = period(v);
            return p === null ? "–" : formatPeriod(p, granularity, lang);
          },
        },
        {
          label: t("metrics.clicks"),
          scale: "clicks",
          stroke: CLICKS,
          fill: "rgb(29 78 216 / 0.08)",
          width: 2,
          value: (_u, v) => (v === null ? "–" : formatNumber(v, lang)),
        },
        {
          label: t("metrics.conversions"),
          scale: "conversions",
          stroke: CONVERSIONS,
          width: 2,
          dash: [6, 4],
          value: (_u, v) => (v === null ? "–" : formatNumber(v, lang)),
        },
      ],
      axes: [
        {
          scale: "x",
          space: granularity === "hour" ? 110 : 70,
          incrs: PERIOD_INCRS,
          values: (_u, splits) =>
            splits.map((i) => {
              const p = Math.abs(i - Math.round(i)) < 1e-6 ? period(i) : null;
              return p === null ? "" : axisLabel(p);
            }),
        },
        {
          scale: "clicks",
          side: rtl ? 1 : 3,
          label: t("metrics.clicks"),
          stroke: CLICKS,
          incrs: COUNT_INCRS,
          values: (_u, splits) => splits.map((v) => count.format(v)),
        },
        {
          scale: "conversions",
          side: rtl ? 3 : 1,
          label: t("metrics.conversions"),
          stroke: CONVERSIONS,
          incrs: COUNT_INCRS,
          grid: { show: false },
          values: (_u, splits) => splits.map((v) => count.format(v)),
        },
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
    };
    const data: uPlot.AlignedData = [
      points.map((_, i) => i),
      points.map((p) => p.clicks),
      points.map((p) => p.conversions),
    ];
    const u = new uPlot(opts, data, el);
    plot.current = u;
    return () => {
      u.destroy();
      plot.current = null;
    };
  }, [points, granularity, lang, rtl, t]);

  // Follows its container's width (phone rotation, the navigation opening, a window resize).
  useEffect(() => {
    const el = box.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    let last = el.clientWidth;
    const observer = new ResizeObserver((entries) => {
      const width = Math.floor(entries[0]?.contentRect.width ?? 0);
      if (width > 0 && width !== last) {
        last = width;
        plot.current?.setSize({ width, height: heightFor(width) });
      }
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  return <div ref={box} className="stats-chart-plot" role="img" aria-label={label} />;
}
