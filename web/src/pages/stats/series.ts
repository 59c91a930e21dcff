// The chart's series and the CSV's rows, from a stats answer.
import type { Granularity, StatsAnswer, StatsRow } from "../../api/hooks/stats";
import type { CsvCell } from "../../lib/csv";
import { addDays, validDay } from "../../lib/dates";

export interface PeriodSums {
  period: string;
  clicks: number;
  conversions: number;
}

/**
 * Rows summed per period, in period order: with a split the API answers a row per period
 * and group, and the chart draws one point per period.
 */
export function sumByPeriod(rows: readonly StatsRow[]): PeriodSums[] {
  const byPeriod = new Map<string, PeriodSums>();
  for (const r of rows) {
    const p = byPeriod.get(r.period);
    if (p) {
      p.clicks += r.clicks;
      p.conversions += r.conversions;
    } else {
      byPeriod.set(r.period, { period: r.period, clicks: r.clicks, conversions: r.conversions });
    }
  }
  // Period labels of one granularity sort as text (YYYY-MM-DD, YYYY-MM-DDTHH:00).
  return [...byPeriod.values()].sort((a, b) =>
    a.period < b.period ? -1 : a.period > b.period ? 1 : 0,
  );
}

/** No chart wider than this many points (31 days by hour is 744). */
const MAX_PERIODS = 5_000;

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/**
 * Every period's label from `from` to `to` (days, inclusive) as the API writes them: days;
 * weeks start on Monday (the first may start before `from`); months on the 1st; hours
 * `YYYY-MM-DDTHH:00`, 24 a day (a day when clocks change has one more or one less in
 * the zone: the API's labels are merged in by `chartPoints`).
 */
export function periodsBetween(from: string, to: string, granularity: Granularity): string[] {
  if (!validDay(from) || !validDay(to) || to < from) return [];
  const out: string[] = [];
  switch (granularity) {
    case "day":
    case "hour":
      for (let d = from; d <= to && out.length < MAX_PERIODS; d = addDays(d, 1)) {
        if (granularity === "day") out.push(d);
        else for (let h = 0; h < 24; h++) out.push(`${d}T${pad(h)}:00`);
      }
      break;
    case "week": {
      const [y, m, d] = from.split("-").map(Number) as [number, number, number];
      const monday = addDays(from, -((new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7));
      for (let w = monday; w <= to && out.length < MAX_PERIODS; w = addDays(w, 7)) out.push(w);
      break;
    }
    case "month": {
      let y = Number(from.slice(0, 4));
      let m = Number(from.slice(5, 7));
      for (let p = `${y}-${pad(m)}-01`; p <= to && out.length < MAX_PERIODS; ) {
        out.push(p);
        m += 1;
        if (m > 12) {
          m = 1;
          y += 1;
        }
        p = `${y}-${pad(m)}-01`;
      }
      break;
    }
  }
  return out;
}

/** The range an answer covers, from its totals' period (`2026-11-18/2026-11-24`). */
export function answerRange(answer: StatsAnswer): { from: string; to: string } | null {
  const [from, to] = answer.totals.period.split("/");
  return from && to && validDay(from) && validDay(to) ? { from, to } : null;
}

/**
 * The chart's points: every period of the answer's range, zero where the API had no row
 * (it lists only periods with activity), with the groups of a split summed per period.
 */
export function chartPoints(answer: StatsAnswer): PeriodSums[] {
  const sums = sumByPeriod(answer.rows);
  const range = answerRange(answer);
  if (!range) return sums;
  const byPeriod = new Map(sums.map((s) => [s.period, s]));
  for (const p of periodsBetween(range.from, range.to, answer.granularity)) {
    if (!byPeriod.has(p)) byPeriod.set(p, { period: p, clicks: 0, conversions: 0 });
  }
  return [...byPeriod.values()].sort((a, b) =>
    a.period < b.period ? -1 : a.period > b.period ? 1 : 0,
  );
}

/** The currencies of an answer's rows (payout or EPC), in alphabetical order. */
export function currenciesOf(rows: readonly StatsRow[]): string[] {
  const set = new Set<string>();
  for (const r of rows) {
    for (const c of Object.keys(r.payout)) set.add(c);
    for (const c of Object.keys(r.epc)) set.add(c);
  }
  return [...set].sort();
}

export interface CsvHeaders {
  period: string;
  group: string;
  clicks: string;
  unique: string;
  conversions: string;
  /** "Payout {{currency}}"-like: the column's title for a currency. */
  payout: (currency: string) => string;
  cr: string;
  epc: (currency: string) => string;
}

/**
 * The table as CSV rows: the values as the API gave them (periods as `2026-11-24`, group
 * ids without `#`, amounts as exact decimal strings, one payout and one EPC column per
 * currency, CR as a ratio), so a spreadsheet can compute with them.
 */
export function statsCsvRows(answer: StatsAnswer, h: CsvHeaders): CsvCell[][] {
  const grouped = Boolean(answer.group_by);
  const currencies = currenciesOf(answer.rows);
  const header: CsvCell[] = [
    h.period,
    ...(grouped ? [h.group] : []),
    h.clicks,
    h.unique,
    h.conversions,
    ...currencies.map(h.payout),
    h.cr,
    ...currencies.map(h.epc),
  ];
  const body = answer.rows.map((r): CsvCell[] => [
    r.period,
    ...(grouped ? [r.group ?? ""] : []),
    r.clicks,
    r.unique_clicks,
    r.conversions,
    ...currencies.map((c) => r.payout[c] ?? "0"),
    r.cr,
    ...currencies.map((c) => r.epc[c] ?? ""),
  ]);
  return [header, ...body];
}
