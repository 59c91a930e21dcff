import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** Pages for visitors who are not signed in. */
export const routes: RouteObject[] = [
  page("login", () => import("./Login")),
  page("signup", () => import("./Signup")),
  page("forgot-password", () => import("./ForgotPassword")),
];
