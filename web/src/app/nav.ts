import type { Role } from "../auth/session";

/** The pages each role's navigation lists (a page may still be opened by URL: the API decides). */
export const navByRole: Record<Role, { to: string; label: string }[]> = {
  promoter: [
    { to: "/marketplace", label: "nav.marketplace" },
    { to: "/links", label: "nav.links" },
    { to: "/stats", label: "nav.stats" },
    { to: "/clicks", label: "nav.clicks" },
    { to: "/conversions", label: "nav.conversions" },
    { to: "/fraud/me", label: "nav.trafficQuality" },
    { to: "/points", label: "nav.points" },
    { to: "/assistant", label: "nav.assistant" },
    { to: "/leaderboards", label: "nav.leaderboards" },
    { to: "/postbacks", label: "nav.postbacks" },
    { to: "/team", label: "nav.team" },
    { to: "/contests", label: "nav.contests" },
  ],
  advertiser: [
    { to: "/offers", label: "nav.offers" },
    { to: "/promoters", label: "nav.promoters" },
    { to: "/clicks", label: "nav.clicks" },
    { to: "/conversions", label: "nav.conversions" },
    { to: "/postback-keys", label: "nav.postbackKeys" },
    { to: "/sandbox", label: "nav.sandbox" },
    { to: "/contests", label: "nav.contests" },
    { to: "/stats", label: "nav.stats" },
    { to: "/assistant", label: "nav.assistant" },
    { to: "/leaderboards", label: "nav.leaderboards" },
  ],
  admin: [
    { to: "/admin/review", label: "nav.review" },
    { to: "/admin/users", label: "nav.users" },
    { to: "/admin/fraud", label: "nav.fraudReview" },
    { to: "/contests", label: "nav.contests" },
    { to: "/stats", label: "nav.stats" },
    { to: "/leaderboards", label: "nav.leaderboards" },
  ],
};

/** Every role's own pages, listed after the role's (webhooks: every role may have some). */
export const accountNav: { to: string; label: string }[] = [
  { to: "/profile", label: "nav.profile" },
  { to: "/api-keys", label: "nav.apiKeys" },
  { to: "/webhooks", label: "nav.webhooks" },
];

/** Where a role lands after logging in. */
export const homeOf: Record<Role, string> = {
  promoter: "/marketplace",
  advertiser: "/offers",
  admin: "/admin/review",
};
