// Sub-IDs: promoter labels added to a tracking link as `sub1`…`sub5` (DESIGN §3). They are
// labels, not signed; the edge keeps at most 128 bytes of each (cut on a UTF-8 boundary).

export const SUB_KEYS = ["sub1", "sub2", "sub3", "sub4", "sub5"] as const;
export type SubKey = (typeof SUB_KEYS)[number];
export type SubIds = Partial<Record<SubKey, string>>;

/** The most bytes of a sub-ID value the edge keeps. */
export const SUB_MAX_BYTES = 128;

const encoder = new TextEncoder();

/** A text's length in UTF-8 bytes (what the edge counts). */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/** The sub-IDs whose value the edge would cut (longer than 128 bytes), in order. */
export function overLimit(subs: SubIds): SubKey[] {
  return SUB_KEYS.filter((k) => utf8Length((subs[k] ?? "").trim()) > SUB_MAX_BYTES);
}

/**
 * The link with the given sub-IDs as query parameters, in order sub1…sub5, each value
 * trimmed and percent-encoded (encodeURIComponent); empty values are left out. Parameters
 * the link already has are kept (a sub-ID already in it is replaced), and so is a fragment.
 */
export function buildSubIdUrl(base: string, subs: SubIds): string {
  const hashAt = base.indexOf("#");
  const fragment = hashAt < 0 ? "" : base.slice(hashAt);
  const beforeHash = hashAt < 0 ? base : base.slice(0, hashAt);
  const queryAt = beforeHash.indexOf("?");
  const path = queryAt < 0 ? beforeHash : beforeHash.slice(0, queryAt);
  const existing = queryAt < 0 ? "" : beforeHash.slice(queryAt + 1);

  const given = SUB_KEYS.flatMap((k) => {
    const v = (subs[k] ?? "").trim();
    return v === "" ? [] : [[k, v] as const];
  });
  const replaced = new Set(given.map(([k]) => k as string));
  const kept = existing
    .split("&")
    .filter((p) => p !== "" && !replaced.has(decodeName(p.split("=")[0] ?? "")));
  const added = given.map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  const query = [...kept, ...added].join("&");
  return `${path}${query ? `?${query}` : ""}${fragment}`;
}

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}
