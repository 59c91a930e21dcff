// The promoters page: GET /v1/stats grouped by promoter answers one row per period and
// promoter; this adds each promoter's periods into one line for the whole range.
import type { Schemas } from "../../../api/client";
import { addMoneyMaps, compareDecimal, divideDecimal, trimDecimal } from "./decimal";

type StatsAnswer = Schemas["StatsAnswer"];
type StatsRow = Schemas["StatsRow"];

export interface PromoterLine {
  promoter: string;
  clicks: number;
  conversions: number;
  /** Payout by currency, exact sums of the periods. */
  payout: Record<string, string>;
  /** Conversions over clicks (0 without clicks). */
  cr: number;
  /** Earnings per click by currency. */
  epc: Record<string, string>;
  /**
   * Whether `epc` is the API's own figure. The API divides a currency's payout by the
   * clicks on offers paying in that currency, which a period row does not tell; over several
   * periods the page divides by all clicks, which is the same when every click counted is on
   * offers in that one currency (checked on the range's totals), and an estimate otherwise.
   */
  epcExact: boolean;
}

/**
 * Whether all clicks of the range are on offers paying in one currency: the totals pay in
 * one currency and their EPC is that payout over all clicks.
 */
export function oneCurrencyClicks(totals: StatsRow): boolean {
  const currencies = Object.keys(totals.payout);
  if (currencies.length === 0) return true;
  const [c] = currencies as [string];
  const epc = totals.epc[c];
  if (currencies.length > 1 || epc === undefined || totals.clicks === 0) return false;
  return compareDecimal(divideDecimal(totals.payout[c] ?? "0", totals.clicks, 4), epc) === 0;
}

/** One line per promoter over the whole range, most conversions first. */
export function promoterLines(answer: StatsAnswer): PromoterLine[] {
  const byPromoter = new Map<string, StatsRow[]>();
  for (const row of answer.rows) {
    if (row.group == null) continue;
    const rows = byPromoter.get(row.group) ?? [];
    rows.push(row);
    byPromoter.set(row.group, rows);
  }
  const exactOverall = oneCurrencyClicks(answer.totals);
  const lines: PromoterLine[] = [];
  for (const [promoter, rows] of byPromoter) {
    let clicks = 0;
    let conversions = 0;
    let payout: Record<string, string> = {};
    for (const r of rows) {
      clicks += r.clicks;
      conversions += r.conversions;
      payout = addMoneyMaps(payout, r.payout);
    }
    const [only] = rows;
    let epc: Record<string, string>;
    let epcExact: boolean;
    if (rows.length === 1 && only) {
      epc = only.epc;
      epcExact = true;
    } else {
      epc = {};
      if (clicks > 0) {
        for (const [c, paid] of Object.entries(payout)) {
          epc[c] = trimDecimal(divideDecimal(paid, clicks, 4), 2);
        }
      }
      epcExact = exactOverall || Object.keys(epc).length === 0;
    }
    lines.push({
      promoter,
      clicks,
      conversions,
      payout,
      cr: clicks > 0 ? conversions / clicks : 0,
      epc,
      epcExact,
    });
  }
  return lines.sort(
    (a, b) =>
      b.conversions - a.conversions ||
      b.clicks - a.clicks ||
      Number(a.promoter) - Number(b.promoter) ||
      a.promoter.localeCompare(b.promoter),
  );
}
