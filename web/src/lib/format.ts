// Numbers, money and dates through Intl, in the chosen language's conventions. Money comes
// from the API as exact decimal strings ("12.50"); Intl formats strings exactly, so no amount
// ever passes through a float.

export function formatNumber(n: number, lang: string): string {
  return new Intl.NumberFormat(lang).format(n);
}

export function formatMoney(amount: string, currency: string, lang: string): string {
  try {
    return new Intl.NumberFormat(lang, {
      style: "currency",
      currency,
      // The API already wrote the currency's decimals; show them all, never round.
      minimumFractionDigits: decimalsOf(amount),
      maximumFractionDigits: Math.max(decimalsOf(amount), 0),
    }).format(amount as unknown as number);
  } catch {
    // A currency code Intl does not know: the amount and the code as they are.
    return `${amount} ${currency}`;
  }
}

function decimalsOf(amount: string): number {
  const dot = amount.indexOf(".");
  return dot < 0 ? 0 : amount.length - dot - 1;
}

/** Sums by currency ({"USD": "12.50", "EUR": "3.00"}), currencies in alphabetical order. */
export function formatMoneyMap(byCurrency: Record<string, string>, lang: string): string {
  const entries = Object.entries(byCurrency).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return formatNumber(0, lang);
  return entries.map(([c, a]) => formatMoney(a, c, lang)).join(" · ");
}

/** A ratio (0.0123) as a percentage (1.23%). */
export function formatPercent(ratio: number, lang: string): string {
  return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 2 }).format(ratio);
}

export function formatDateTime(iso: string, lang: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  }).format(new Date(iso));
}

export function formatDate(iso: string, lang: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeZone }).format(new Date(iso));
}

/**
 * A stats period as the API names it, already in the caller's time zone ("2026-11-24" or
 * "2026-11-24T13:00"): formatted as that wall-clock time, with no zone conversion.
 */
export function formatPeriod(period: string, granularity: string, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}))?$/.exec(period);
  if (!m) return period;
  const [, y, mo, d, h, mi] = m;
  const date = new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0)),
  );
  const opts: Intl.DateTimeFormatOptions =
    granularity === "hour"
      ? { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }
      : granularity === "month"
        ? { year: "numeric", month: "long" }
        : { year: "numeric", month: "short", day: "numeric" };
  return new Intl.DateTimeFormat(lang, { ...opts, timeZone: "UTC" }).format(date);
}
