import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/**
 * Contests: the list and a contest's page for every role (promoters enter; admins and
 * advertisers manage theirs), and the form for a new contest or a draft's changes.
 */
export const routes: RouteObject[] = [
  page("contests", () => import("./Contests")),
  page("contests/new", () => import("./ContestEditor")),
  page("contests/:id", () => import("./Contest")),
  page("contests/:id/edit", () => import("./ContestEditor")),
];
