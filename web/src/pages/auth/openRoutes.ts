import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/**
 * Pages opened from mailed links: they work signed in or not, so they sit outside both the
 * AnonymousOnly and the RequireAuth guards (in the Shell's children).
 */
export const routes: RouteObject[] = [
  page("verify-email", () => import("./VerifyEmail")),
  page("reset-password", () => import("./ResetPassword")),
];
