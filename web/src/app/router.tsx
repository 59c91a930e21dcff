import { createBrowserRouter } from "react-router";
import { routes as accountRoutes } from "../pages/account/routes";
import { routes as adminRoutes } from "../pages/admin/routes";
import { routes as advertiserRoutes } from "../pages/advertiser/routes";
import { routes as assistantRoutes } from "../pages/assistant/routes";
import { routes as openRoutes } from "../pages/auth/openRoutes";
import { routes as publicRoutes } from "../pages/auth/routes";
import { routes as contestRoutes } from "../pages/contests/routes";
import { routes as fraudRoutes } from "../pages/fraud/routes";
import { routes as leaderboardRoutes } from "../pages/leaderboards/routes";
import { NotFound } from "../pages/NotFound";
import { routes as pointsRoutes } from "../pages/points/routes";
import { routes as promoterRoutes } from "../pages/promoter/routes";
import { routes as statsRoutes } from "../pages/stats/routes";
import { routes as teamRoutes } from "../pages/teams/routes";
import { routes as webhookRoutes } from "../pages/webhooks/routes";
import { AnonymousOnly, Home, RequireAuth } from "./guards";
import { Shell } from "./Shell";

// A page per route. Role is not checked here: a page the role may not use still opens, and
// shows what the API answers (403), so the UI never claims more than the API allows.
export const router = createBrowserRouter([
  {
    element: <Shell />,
    children: [
      { index: true, element: <Home /> },
      { element: <AnonymousOnly />, children: publicRoutes },
      // Links from mails: they work signed in or not.
      ...openRoutes,
      {
        element: <RequireAuth />,
        children: [
          ...accountRoutes,
          ...promoterRoutes,
          ...advertiserRoutes,
          ...adminRoutes,
          ...statsRoutes,
          ...fraudRoutes,
          ...pointsRoutes,
          ...webhookRoutes,
          ...teamRoutes,
          ...leaderboardRoutes,
          ...contestRoutes,
          ...assistantRoutes,
        ],
      },
      { path: "*", element: <NotFound /> },
    ],
  },
]);
