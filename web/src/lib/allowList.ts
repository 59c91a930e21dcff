// A key's IP allowlist (an API key's or a postback key's `ip_allow`, or a publishable postback
// key's origins) as typed, one entry per line, and the API's errors for it: `ip_allow[i]`
// names the i-th entry sent, which is a line of the text.

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

/** A list as the textarea shows it: one entry per line (the inverse of parseAllowList). */
export function allowListText(entries: readonly string[]): string {
  return entries.join("\n");
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

/** A line error with its line, as `linesText`'s `atLine` words it. */
export interface AtLine {
  line: number;
  entry: string | null;
  message: string;
}

/**
 * Line errors as one text for a textarea's error (one per line: its field shows them with
 * `white-space: pre-line`, see `.lines-field`), each with its line in `atLine`'s words; an
 * error about the whole list as is. Undefined when there is none.
 */
export function linesText(
  errors: readonly LineError[],
  atLine: (l: AtLine) => string,
): string | undefined {
  if (errors.length === 0) return undefined;
  return errors
    .map((l) => (l.line === null ? l.message : atLine({ ...l, line: l.line })))
    .join("\n");
}
