// Invite codes and links as the team page shows and reads them. The API takes a code in any
// case, with or without dashes and spaces (control-plane/src/programme/teams/rules.rs), so the
// page shows it in groups for reading aloud and sends what was typed, tidied.

/** The path of the page an invite link opens (the join form, prefilled). */
export const JOIN_PATH = "/team/join";

/** A code as the API compares it: upper case, without spaces or dashes. */
export function normaliseCode(text: string): string {
  return text.replace(/[\s-]+/g, "").toUpperCase();
}

/** A code for reading: in groups of five ("ABCDE-FGH23"). */
export function displayCode(code: string): string {
  const plain = normaliseCode(code);
  return (plain.match(/.{1,5}/g) ?? []).join("-");
}

/** The invite link of a code on this app (`origin` such as "https://app.example"). */
export function inviteLink(origin: string, code: string): string {
  const url = new URL(JOIN_PATH, origin);
  url.searchParams.set("code", normaliseCode(code));
  return url.toString();
}

/**
 * The code an address carries (`?code=`), tidied; null when there is none or it holds
 * nothing a code could be made of (the join form then starts empty).
 */
export function codeFromSearch(search: string): string | null {
  const raw = new URLSearchParams(search).get("code");
  if (raw === null) return null;
  const code = normaliseCode(raw);
  return /^[A-Z0-9]{1,64}$/.test(code) ? code : null;
}
