import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/**
 * The assistant (promoters and advertisers; the API refuses admins what is not theirs, and the
 * pages show it): its insights, the chat, and the chat's provider.
 */
export const routes: RouteObject[] = [
  page("assistant", () => import("./Insights")),
  page("assistant/chat", () => import("./Chat")),
  page("assistant/provider", () => import("./Provider")),
];
