import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/**
 * Fraud insights and the admins' review (signed-in users; the API scopes each insight to the
 * caller and refuses the queue to others, and the page says so).
 */
export const routes: RouteObject[] = [
  page("admin/fraud", () => import("./Queue")),
  page("fraud/me", () => import("./MyTraffic")),
  page("fraud/promoters/:id", () => import("./PromoterInsight")),
  page("fraud/offers/:id", () => import("./OfferInsight")),
];
