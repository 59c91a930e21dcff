// The contest form's state and what it sends: the window typed as wall-clock times in the
// user's zone (datetime-local inputs) and sent as RFC 3339 instants in UTC, the prizes as rows
// that can be added and removed, and the API's field errors (`prizes[2].amount`) put back on
// the row they belong to.
import type {
  ContestChanges,
  ContestKind,
  ContestMetric,
  ContestView,
  NewContest,
} from "../../../api/hooks/contests";

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** How far `timeZone`'s wall clock is ahead of UTC at an instant (ms since the epoch). */
export function zoneOffsetMs(instant: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(instant));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  // The wall clock has whole seconds: compare without the instant's milliseconds.
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * A datetime-local value ("2026-12-01T09:00") read in `timeZone`, as an RFC 3339 instant in
 * UTC ("2026-12-01T06:00:00Z"); null when it is not one. A wall-clock time the zone has twice
 * (clocks going back) is one of the two; one it skips (clocks going forward) lands near the change.
 */
export function localToUtc(local: string, timeZone: string): string | null {
  const m = LOCAL.exec(local.trim());
  if (!m) return null;
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (h > 23 || mi > 59 || s > 59) return null;
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  // Date.UTC rolls 31 February over into March: such a day is no day.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) {
    return null;
  }
  let instant = wall - zoneOffsetMs(wall, timeZone);
  const again = wall - zoneOffsetMs(instant, timeZone);
  if (again !== instant && zoneOffsetMs(again, timeZone) === wall - again) instant = again;
  return new Date(instant).toISOString().replace(/\.000Z$/, "Z");
}

/** An instant (RFC 3339) as a datetime-local value in `timeZone` ("2026-12-01T09:00"). */
export function utcToLocal(iso: string, timeZone: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const wall = new Date(t + zoneOffsetMs(t, timeZone));
  return wall.toISOString().slice(0, 16);
}

/** A prize as typed: one row of the form. `key` stays with the row while others come and go. */
export interface PrizeRow {
  key: number;
  rank: string;
  prize: string;
  amount: string;
  currency: string;
}

export interface ContestForm {
  name: string;
  description: string;
  /** datetime-local values, in the user's zone. */
  starts: string;
  ends: string;
  metric: ContestMetric;
  currency: string;
  kind: ContestKind;
  offerIds: number[];
  prizes: PrizeRow[];
}

/** The key for a new row: one more than any row's. */
function nextKey(rows: PrizeRow[]): number {
  return rows.reduce((k, r) => Math.max(k, r.key), 0) + 1;
}

/** Adds a row for the rank after the highest one typed (1 for the first). */
export function addPrizeRow(rows: PrizeRow[]): PrizeRow[] {
  const ranks = rows.map((r) => Number(r.rank)).filter((n) => Number.isInteger(n) && n > 0);
  const rank = ranks.length === 0 ? 1 : Math.max(...ranks) + 1;
  const last = rows[rows.length - 1];
  return [
    ...rows,
    {
      key: nextKey(rows),
      rank: String(rank),
      prize: "",
      amount: "",
      currency: last?.currency ?? "",
    },
  ];
}

export function removePrizeRow(rows: PrizeRow[], key: number): PrizeRow[] {
  return rows.filter((r) => r.key !== key);
}

export function updatePrizeRow(rows: PrizeRow[], key: number, change: Partial<PrizeRow>) {
  return rows.map((r) => (r.key === key ? { ...r, ...change, key } : r));
}

/** The form for a new contest: starting at the next full hour, for a week, one prize row. */
export function emptyForm(now: Date, timeZone: string): ContestForm {
  const hour = 3_600_000;
  const start = Math.floor(now.getTime() / hour) * hour + hour;
  return {
    name: "",
    description: "",
    starts: utcToLocal(new Date(start).toISOString(), timeZone),
    ends: utcToLocal(new Date(start + 7 * 24 * hour).toISOString(), timeZone),
    metric: "conversions",
    currency: "",
    kind: "individual",
    offerIds: [],
    prizes: [{ key: 1, rank: "1", prize: "", amount: "", currency: "" }],
  };
}

/** A draft as the form shows it, to edit. */
export function formOf(c: ContestView, timeZone: string): ContestForm {
  return {
    name: c.name,
    description: c.description ?? "",
    starts: utcToLocal(c.starts_at, timeZone),
    ends: utcToLocal(c.ends_at, timeZone),
    metric: c.metric,
    currency: c.currency ?? "",
    kind: c.kind,
    offerIds: [...c.offer_ids],
    prizes: c.prizes.map((p, i) => ({
      key: i + 1,
      rank: String(p.rank),
      prize: p.prize,
      amount: p.amount ?? "",
      currency: p.currency ?? "",
    })),
  };
}

/** Whether a metric counts per offer (points are earned platform-wide: no offers). */
export function metricHasOffers(metric: ContestMetric): boolean {
  return metric !== "points";
}

/** What the form finds wrong before sending, by the API's field names. */
export type FormProblem = "dateTime" | "rank";

export interface Payload {
  body: NewContest;
  /** The row key of each prize sent, by its index in `body.prizes`. */
  prizeKeys: number[];
  /** Problems the API would not understand (no instant, a rank that is no number). */
  problems: Record<string, FormProblem>;
}

/**
 * What the form sends (the whole contest: a new one, or a draft's every field): texts
 * trimmed, the window in UTC, the currency only for the payout metric and the offers only for
 * metrics that count offers, prize rows left wholly empty skipped.
 */
export function buildPayload(f: ContestForm, timeZone: string): Payload {
  const problems: Record<string, FormProblem> = {};
  const starts = localToUtc(f.starts, timeZone);
  const ends = localToUtc(f.ends, timeZone);
  if (starts === null) problems.starts_at = "dateTime";
  if (ends === null) problems.ends_at = "dateTime";
  const prizeKeys: number[] = [];
  const prizes: NewContest["prizes"] = [];
  for (const r of f.prizes) {
    const prize = r.prize.trim();
    const amount = r.amount.trim();
    const currency = r.currency.trim().toUpperCase();
    const rankText = r.rank.trim();
    if (!prize && !amount && !currency && !rankText) continue;
    const rank = Number(rankText);
    if (!/^\d+$/.test(rankText) || !Number.isSafeInteger(rank)) {
      problems[`prizes[${prizes.length}].rank`] = "rank";
    }
    prizes.push({
      rank: Number.isSafeInteger(rank) ? rank : 0,
      prize,
      ...(amount ? { amount } : {}),
      ...(currency ? { currency } : {}),
    });
    prizeKeys.push(r.key);
  }
  const description = f.description.trim();
  const body: NewContest = {
    name: f.name.trim(),
    description,
    starts_at: starts ?? "",
    ends_at: ends ?? "",
    metric: f.metric,
    kind: f.kind,
    offer_ids: metricHasOffers(f.metric) ? [...f.offerIds].sort((a, b) => a - b) : [],
    prizes,
  };
  if (f.metric === "payout") body.currency = f.currency.trim().toUpperCase();
  return { body, prizeKeys, problems };
}

/** A new contest's body: an empty description is left out (a draft's edit sends "" to clear it). */
export function createBody(p: Payload): NewContest {
  const { description, ...rest } = p.body;
  return description ? { ...rest, description } : rest;
}

/** A draft's changes: every field, an empty description or currency clearing it. */
export function changesBody(p: Payload): ContestChanges {
  return { ...p.body, currency: p.body.currency ?? "" };
}

export type PrizeField = "rank" | "prize" | "amount" | "currency";

/**
 * The API's field errors on prizes (`prizes[1].amount`, or `prizes` itself) by row key and
 * field; `prizeKeys` says which row each sent prize came from.
 */
export function prizeErrors(
  fields: Record<string, string>,
  prizeKeys: number[],
): { rows: Record<number, Partial<Record<PrizeField, string>>>; list?: string } {
  const rows: Record<number, Partial<Record<PrizeField, string>>> = {};
  for (const [field, message] of Object.entries(fields)) {
    const m = /^prizes\[(\d+)\]\.(rank|prize|amount|currency)$/.exec(field);
    if (!m) continue;
    const key = prizeKeys[Number(m[1])];
    if (key === undefined) continue;
    const row = rows[key] ?? {};
    row[m[2] as PrizeField] = message;
    rows[key] = row;
  }
  return fields.prizes ? { rows, list: fields.prizes } : { rows };
}

/** Toggles an offer in a choice, keeping ids in ascending order. */
export function toggleOffer(chosen: number[], id: number, on: boolean): number[] {
  const rest = chosen.filter((x) => x !== id);
  return on ? [...rest, id].sort((a, b) => a - b) : rest;
}
