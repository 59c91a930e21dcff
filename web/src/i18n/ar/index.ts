import admin from "./admin";
import advertiser from "./advertiser";
import assistant from "./assistant";
import auth from "./auth";
import common from "./common";
import contests from "./contests";
import fraud from "./fraud";
import leaderboards from "./leaderboards";
import points from "./points";
import promoter from "./promoter";
import stats from "./stats";
import teams from "./teams";
import webhooks from "./webhooks";

export default {
  common,
  auth,
  promoter,
  advertiser,
  admin,
  stats,
  fraud,
  webhooks,
  points,
  teams,
  leaderboards,
  contests,
  assistant,
};
