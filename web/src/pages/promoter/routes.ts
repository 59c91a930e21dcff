import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** The pages of this area (signed-in users); each is loaded when first opened. */
export const routes: RouteObject[] = [
  page("marketplace", () => import("./Marketplace")),
  page("marketplace/:id", () => import("./OfferDetail")),
  page("links", () => import("./Links")),
];
