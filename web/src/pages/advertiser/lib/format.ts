// Display helpers of the advertiser pages, on top of src/lib/format.ts.

/** A decimal string divided by 100 by moving its point ("7.5" → "0.075"), exactly. */
export function shiftLeft2(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return s;
  const digits = `${m[2]}${m[3] ?? ""}`.padStart((m[3]?.length ?? 0) + 3, "0");
  const scale = (m[3]?.length ?? 0) + 2;
  const int = digits.slice(0, digits.length - scale).replace(/^0+(?=\d)/, "");
  return `${m[1]}${int}.${digits.slice(digits.length - scale)}`;
}

/** A percentage the API writes as a decimal string ("7.5") in the language: "7.5%". */
export function formatPercentText(value: string, lang: string): string {
  try {
    return new Intl.NumberFormat(lang, { style: "percent", maximumFractionDigits: 4 }).format(
      shiftLeft2(value) as unknown as number,
    );
  } catch {
    return `${value}%`;
  }
}
