import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/** The advertisers' pages (the conversions page serves promoters too: the API scopes it). */
export const routes: RouteObject[] = [
  page("offers", () => import("./Offers")),
  page("offers/new", () => import("./OfferForm")),
  page("offers/:id", () => import("./OfferDetail")),
  page("offers/:id/edit", () => import("./OfferForm")),
  page("promoters", () => import("./Promoters")),
  page("conversions", () => import("./Conversions")),
  page("postback-keys", () => import("./PostbackKeys")),
  page("sandbox", () => import("./Sandbox")),
];
