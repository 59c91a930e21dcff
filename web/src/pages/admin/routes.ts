import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** The admins' pages (signed-in users; the API refuses other roles, and the page says so). */
export const routes: RouteObject[] = [
  page("admin/review", () => import("./Review")),
  page("admin/users", () => import("./Users")),
];
