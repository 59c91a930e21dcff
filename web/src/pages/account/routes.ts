import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** Every signed-in user's own pages. */
export const routes: RouteObject[] = [
  page("profile", () => import("./Profile")),
  page("api-keys", () => import("./ApiKeys")),
];
