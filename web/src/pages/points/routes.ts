import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/**
 * The promoter programme's points: a promoter's own, and any promoter's for an admin (the API
 * refuses other roles, and the pages say so).
 */
export const routes: RouteObject[] = [
  page("points", () => import("./Points")),
  page("admin/promoters/:id/points", () => import("./PromoterPoints")),
];
