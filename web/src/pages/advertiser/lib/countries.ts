// Countries for an offer's geo lists: two-letter codes (ISO 3166-1 alpha-2) as the API takes
// them, a short list of common ones to pick from (any other code can be typed), and their
// names in the reader's language from Intl.

/** Common countries to pick from; any other two-letter code can be typed in. */
export const COMMON_COUNTRIES: readonly string[] = (
  "AE AR AT AU BE BH BR CA CH CL CN CO CZ DE DK DZ EG ES FI FR GB GR HK ID IE IL IN IQ IT JO " +
  "JP KE KR KW LB LY MA MX MY NG NL NO NZ OM PH PK PL PS PT QA RO SA SD SE SG SY TH TN TR TW " +
  "UA US VN YE ZA"
).split(" ");

/** A typed code as the API takes it (`us ` → `US`), or null when it is not two letters. */
export function normalizeCountry(input: string): string | null {
  const code = input.trim().toUpperCase();
  return /^[A-Z]{2}$/.test(code) ? code : null;
}

/** The list with the code added at its end (once). */
export function addCountry(list: readonly string[], code: string): string[] {
  return list.includes(code) ? [...list] : [...list, code];
}

export function removeCountry(list: readonly string[], code: string): string[] {
  return list.filter((c) => c !== code);
}

const namers = new Map<string, Intl.DisplayNames | null>();

/** The country's name in the language (the code itself when Intl does not know it). */
export function countryName(code: string, lang: string): string {
  if (!namers.has(lang)) {
    try {
      namers.set(lang, new Intl.DisplayNames([lang], { type: "region", fallback: "none" }));
    } catch {
      namers.set(lang, null);
    }
  }
  try {
    return namers.get(lang)?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** The common countries not yet in `taken`, by name in the language. */
export function countryChoices(
  taken: readonly string[],
  lang: string,
): { code: string; name: string }[] {
  return COMMON_COUNTRIES.filter((c) => !taken.includes(c))
    .map((code) => ({ code, name: countryName(code, lang) }))
    .sort((a, b) => a.name.localeCompare(b.name, lang));
}

/**
 * The API's errors for a geo list, with the country each indexed error names: it answers
 * `geo_allow[2]` for the third code sent and `geo_allow` for the list as a whole.
 */
export function listErrors(
  fields: Record<string, string>,
  field: string,
  sent: readonly string[],
): { code: string | null; message: string }[] {
  const out: { code: string | null; message: string }[] = [];
  for (const [key, message] of Object.entries(fields)) {
    if (key === field) out.push({ code: null, message });
    const m = new RegExp(`^${field}\\[(\\d+)\\]$`).exec(key);
    if (m) out.push({ code: sent[Number(m[1])] ?? null, message });
  }
  return out;
}
