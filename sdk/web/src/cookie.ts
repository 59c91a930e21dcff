// The first-party cookie that keeps the click id between the landing and the conversion.

/** The cookie's SameSite attribute. */
export type SameSite = "Lax" | "Strict" | "None";

/** Everything `serializeCookie` writes. */
export interface CookieSpec {
  name: string;
  value: string;
  /** Lifetime in seconds (`Max-Age`). */
  maxAge: number;
  /** `Domain` attribute; host-only when absent. */
  domain?: string | undefined;
  sameSite: SameSite;
  /** `Secure` attribute; always set with SameSite=None, which browsers require. */
  secure: boolean;
}

/** The string to assign to `document.cookie` for `spec`. */
export function serializeCookie(spec: CookieSpec): string {
  let cookie = `${spec.name}=${spec.value}; Max-Age=${spec.maxAge}; Path=/`;
  if (spec.domain) cookie += `; Domain=${spec.domain}`;
  cookie += `; SameSite=${spec.sameSite}`;
  if (spec.secure || spec.sameSite === "None") cookie += "; Secure";
  return cookie;
}

/**
 * Every value of the cookie `name` in a `document.cookie` string, in the browser's order
 * (one per domain or path that set it).
 */
export function cookieValues(cookies: string, name: string): string[] {
  const values: string[] = [];
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) values.push(part.slice(eq + 1).trim());
  }
  return values;
}
