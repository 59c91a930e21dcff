// A postback key's IP allowlist (or a publishable key's origins) as typed, one entry per line,
// and the API's errors for it: `ip_allow[i]` names the i-th entry sent, which is a line of the
// text.

export interface AllowList {
  /** The entries to send, blank lines left out. */
  entries: string[];
  /** For each entry, its line number in the text (1-based). */
  lines: number[];
}

export function parseAllowList(text: string): AllowList {
  const entries: string[] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const entry = line.trim();
    if (entry !== "") {
      entries.push(entry);
      lines.push(i + 1);
    }
  });
  return { entries, lines };
}

export interface LineError {
  /** 1-based line, null for an error about the list as a whole. */
  line: number | null;
  entry: string | null;
  message: string;
}

/**
 * The API's errors for a list typed one entry per line (`ip_allow`, or `origins` of a
 * publishable key), each with the line it is about, in line order.
 */
export function allowListErrors(
  fields: Record<string, string>,
  sent: AllowList,
  field: "ip_allow" | "origins" = "ip_allow",
): LineError[] {
  const out: LineError[] = [];
  const indexed = new RegExp(`^${field}\\[(\\d+)\\]$`);
  for (const [key, message] of Object.entries(fields)) {
    if (key === field) out.push({ line: null, entry: null, message });
    const m = indexed.exec(key);
    if (m) {
      const i = Number(m[1]);
      out.push({ line: sent.lines[i] ?? null, entry: sent.entries[i] ?? null, message });
    }
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
