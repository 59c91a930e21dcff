// CSV as RFC 4180 writes it (fields quoted when they hold a comma, a quote or a line break;
// quotes doubled; lines ended by CRLF), with a guard against formula injection: a spreadsheet
// runs a text cell that starts with = + - @ (or a tab or carriage return before one) as a
// formula, so such a text is written with a leading apostrophe, which shows it as text.

export type CsvCell = string | number | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One field. Numbers are written as they are (a number is never a formula, and a negative
 * one keeps its sign); texts get the formula guard, then quoting when they need it.
 */
export function csvField(value: CsvCell): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows of fields as one CSV document (CRLF after every line, the last one included). */
export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return rows.map((row) => `${row.map(csvField).join(",")}\r\n`).join("");
}

/**
 * Saves a CSV document as a file through a Blob URL. A byte order mark leads the file so that
 * spreadsheets open it as UTF-8 (Arabic names stay readable).
 */
export function downloadCsv(fileName: string, csv: string): void {
  const blob = new Blob(["\uFEFF", csv], { type: "text/csv;charset=utf-8" });
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  a.style.display = "none";
  document.body.append(a);
  a.click();
  a.remove();
  // Some browsers read the URL after the click returns.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/**
 * The pages of a CSV export joined into one document: the header row once, every page's
 * rows in order (the API ends lines with CRLF; a page without rows adds nothing).
 */
export function joinCsvPages(pages: readonly string[]): string {
  if (pages.length === 0) return "";
  const [first, ...rest] = pages as [string, ...string[]];
  let out = first;
  for (const page of rest) {
    const nl = page.indexOf("\n");
    const rows = nl < 0 ? "" : page.slice(nl + 1);
    if (rows === "") continue;
    if (out !== "" && !out.endsWith("\n")) out += "\r\n";
    out += rows;
  }
  return out;
}
