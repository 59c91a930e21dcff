import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** The leaderboards, for every role (only a promoter has a place of its own on them). */
export const routes: RouteObject[] = [page("leaderboards", () => import("./Leaderboards"))];
