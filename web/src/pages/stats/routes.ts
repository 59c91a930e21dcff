import type { RouteObject } from "react-router";

/** The pages of this area (signed-in users); each is loaded when first opened. */
export const routes: RouteObject[] = [];
