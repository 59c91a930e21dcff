// The users list's filters live in the page's URL (?role=…&q=…), so a search can be
// reloaded, shared and gone back to.
import type { Schemas } from "../../api/client";

type Role = Schemas["Role"];

export const roles: readonly Role[] = ["promoter", "advertiser", "admin"];

export interface UserFilters {
  role?: Role;
  q?: string;
}

/** The filters named by the URL: a known role, and search text trimmed (none when empty). */
export function readFilters(params: URLSearchParams): UserFilters {
  const out: UserFilters = {};
  const role = params.get("role");
  if (role && (roles as readonly string[]).includes(role)) out.role = role as Role;
  const q = params.get("q")?.trim();
  if (q) out.q = q;
  return out;
}

/** The URL's search parameters for these filters (only the ones set). */
export function writeFilters(filters: UserFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.role) params.set("role", filters.role);
  const q = filters.q?.trim();
  if (q) params.set("q", q);
  return params;
}
