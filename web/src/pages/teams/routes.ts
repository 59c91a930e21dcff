import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** The promoter's team; `team/join?code=` is the invite link (the join form, prefilled). */
export const routes: RouteObject[] = [
  page("team", () => import("./MyTeam")),
  page("team/join", () => import("./MyTeam")),
];
