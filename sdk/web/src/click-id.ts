// Finding the click id: in a landing page's query, in a cookie header.

/** The query parameters searched for the click id, in this order, unless configured. */
export const DEFAULT_PARAMS: readonly string[] = ["afftok_click_id", "click_id"];

// Any version and variant: the edge mints v7 today, but the id is opaque to the page.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The click id in `value` (a hyphenated UUID, any case) in lowercase, or null when `value` is
 * not one.
 */
export function parseClickId(value: unknown): string | null {
  return typeof value === "string" && UUID.test(value) ? value.toLowerCase() : null;
}

/**
 * The first valid click id in a query string (`location.search`, with or without its `?`):
 * the parameters named in `names` are tried in order, each one's values in the order they
 * appear; invalid values are skipped.
 */
export function clickIdFromSearch(
  search: string,
  names: readonly string[] = DEFAULT_PARAMS,
): string | null {
  const query = new URLSearchParams(search);
  for (const name of names) {
    for (const value of query.getAll(name)) {
      const id = parseClickId(value);
      if (id) return id;
    }
  }
  return null;
}
