// The destination URL's macros as the edge fills them (DESIGN §4, edge/core/src/macros.rs):
// `{click_id}` `{offer_id}` `{promoter_id}` `{sub1}`…`{sub5}` `{country}` `{ts}`, values
// percent-encoded (everything but RFC 3986 unreserved characters), unknown `{…}` left as
// they are; literal text outside printable ASCII is percent-encoded too.

export const MACRO_NAMES = [
  "click_id",
  "offer_id",
  "promoter_id",
  "sub1",
  "sub2",
  "sub3",
  "sub4",
  "sub5",
  "country",
  "ts",
] as const;

export type MacroName = (typeof MACRO_NAMES)[number];
export type MacroValues = Record<MacroName, string>;

/** Longest macro name the edge looks for; a longer `{…}` is literal text. */
const MAX_NAME = 16;

function isMacro(name: string): name is MacroName {
  return (MACRO_NAMES as readonly string[]).includes(name);
}

function hex(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
}

const utf8 = new TextEncoder();

/** A macro's value: everything but `A-Z a-z 0-9 - . _ ~` percent-encoded. */
export function encodeValue(value: string): string {
  let out = "";
  for (const byte of utf8.encode(value)) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : hex(byte);
  }
  return out;
}

/** Template text: controls, space and non-ASCII percent-encoded, the rest as written. */
function encodeLiteral(text: string): string {
  let out = "";
  for (const byte of utf8.encode(text)) {
    out += byte <= 0x20 || byte >= 0x7f ? hex(byte) : String.fromCharCode(byte);
  }
  return out;
}

interface Part {
  literal?: string;
  macro?: MacroName;
}

/** Splits a template the way the edge does: a `{` not opening a known macro is text. */
function parse(template: string): Part[] {
  const parts: Part[] = [];
  let rest = template;
  let text = "";
  for (let open = rest.indexOf("{"); open >= 0; open = rest.indexOf("{")) {
    text += rest.slice(0, open);
    const after = rest.slice(open + 1);
    const close = after.indexOf("}");
    const name = close >= 0 && close <= MAX_NAME ? after.slice(0, close) : null;
    if (name !== null && isMacro(name)) {
      if (text) parts.push({ literal: text });
      text = "";
      parts.push({ macro: name });
      rest = after.slice(close + 1);
    } else {
      text += "{";
      rest = after;
    }
  }
  text += rest;
  if (text) parts.push({ literal: text });
  return parts;
}

/** The URL a click would be sent to, with these values in the macros. */
export function fillMacros(template: string, values: MacroValues): string {
  return parse(template)
    .map((p) => (p.macro ? encodeValue(values[p.macro]) : encodeLiteral(p.literal ?? "")))
    .join("");
}

/**
 * The `{…}` in a template that are not macros (a typo such as `{clickid}`), in order, each
 * once: the edge leaves them as they are.
 */
export function unknownMacros(template: string): string[] {
  const found = new Set<string>();
  for (const part of parse(template)) {
    for (const m of (part.literal ?? "").matchAll(/\{([^{}]*)\}/g)) found.add(m[0]);
  }
  return [...found];
}

/** Values for a preview: plausible, and showing the encoding (a space in sub2). */
export function sampleValues(offerId: number | undefined, now: Date): MacroValues {
  return {
    click_id: "01936f3e-8a4b-7c2d-9e1f-0a1b2c3d4e5f",
    offer_id: String(offerId ?? 123),
    promoter_id: "42",
    sub1: "tiktok",
    sub2: "spring sale",
    sub3: "",
    sub4: "",
    sub5: "",
    country: "SA",
    ts: String(now.getTime()),
  };
}
