import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** The pages of this area (signed-in users, every role: the API scopes what each sees). */
export const routes: RouteObject[] = [
  page("stats", () => import("./Stats")),
  page("clicks", () => import("./Clicks")),
];
