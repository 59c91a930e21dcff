// Exact decimal arithmetic on the API's money strings ("12.50"), through BigInt: sums and
// ratios of money never pass through a float.

interface Dec {
  units: bigint;
  scale: number;
}

function parse(s: string): Dec | null {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s.trim());
  if (!m) return null;
  const frac = m[3] ?? "";
  return { units: BigInt(`${m[1]}${m[2]}${frac}`), scale: frac.length };
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function rescale(d: Dec, scale: number): bigint {
  return d.units * pow10(scale - d.scale);
}

function write(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const int = digits.slice(0, digits.length - scale);
  const frac = digits.slice(digits.length - scale);
  return `${negative ? "-" : ""}${int}${scale > 0 ? `.${frac}` : ""}`;
}

/** Whether the text is a plain decimal number ("12", "12.50", "-3.1"). */
export function isDecimal(s: string): boolean {
  return parse(s) !== null;
}

/** a + b, exactly, with the larger number of decimals of the two. */
export function addDecimal(a: string, b: string): string {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  const scale = Math.max(x.scale, y.scale);
  return write(rescale(x, scale) + rescale(y, scale), scale);
}

/** Compares two decimals by value ("12.5" equals "12.50"). */
export function compareDecimal(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) throw new Error(`not a decimal: ${x ? b : a}`);
  const scale = Math.max(x.scale, y.scale);
  const d = rescale(x, scale) - rescale(y, scale);
  return d === 0n ? 0 : d < 0n ? -1 : 1;
}

/** a ÷ n rounded to `places` decimals, half to even (as the API rounds EPC). */
export function divideDecimal(a: string, n: number, places: number): string {
  const x = parse(a);
  if (!x) throw new Error(`not a decimal: ${a}`);
  if (!Number.isInteger(n) || n === 0) throw new Error(`not a non-zero integer: ${n}`);
  const num = x.units * pow10(places);
  const den = BigInt(n) * pow10(x.scale);
  let q = num / den;
  const r = num % den;
  const twice = 2n * (r < 0n ? -r : r);
  const absDen = den < 0n ? -den : den;
  const sign = num < 0n !== den < 0n ? -1n : 1n;
  if (twice > absDen || (twice === absDen && q % 2n !== 0n)) q += sign;
  return write(q, places);
}

/** Trailing zeros dropped, keeping at least `minScale` decimals ("0.5000" → "0.50"). */
export function trimDecimal(s: string, minScale: number): string {
  const dot = s.indexOf(".");
  if (dot < 0) return minScale > 0 ? `${s}.${"0".repeat(minScale)}` : s;
  let end = s.length;
  while (end > dot + 1 + minScale && s[end - 1] === "0") end--;
  const out = s.slice(0, end);
  const missing = minScale - (out.length - dot - 1);
  return out.endsWith(".") ? out.slice(0, -1) : out + "0".repeat(Math.max(0, missing));
}

/** Sums of money by currency ({"USD": "1.50"} + {"USD": "2.25", "EUR": "1.00"}). */
export function addMoneyMaps(
  a: Record<string, string>,
  b: Record<string, string>,
): Record<string, string> {
  const out = { ...a };
  for (const [currency, amount] of Object.entries(b)) {
    const have = out[currency];
    out[currency] = have === undefined ? amount : addDecimal(have, amount);
  }
  return out;
}
