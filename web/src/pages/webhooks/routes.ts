import type { RouteObject } from "react-router";
import { page } from "../../app/lazy";

/**
 * Webhook endpoints (every role) and promoter postbacks (promoters; admins read them, the
 * API refuses advertisers and the page says so), each with its delivery log.
 */
export const routes: RouteObject[] = [
  page("webhooks", () => import("./Webhooks")),
  page("webhooks/:id", () => import("./WebhookLog")),
  page("postbacks", () => import("./Postbacks")),
  page("postbacks/:id", () => import("./PostbackLog")),
];
