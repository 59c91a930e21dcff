import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useMyPlace } from "../../../api/hooks/leaderboards";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";

/**
 * The promoter's rank on this month's promoters' board, with a link to the leaderboards.
 * An extra: while it loads, or if the boards cannot answer, it shows nothing.
 */
export function RankLine() {
  const { t } = useTranslation("points");
  const lang = currentLanguage();
  const place = useMyPlace("promoters", "month", 0);
  if (!place.data) return null;
  const entry = place.data.entry;
  return (
    <p className="points-rank" data-testid="points-rank">
      <span data-testid="points-rank-text">
        {entry
          ? t("rank.line", {
              rank: formatNumber(entry.rank, lang),
              size: formatNumber(place.data.size, lang),
            })
          : t("rank.none")}
      </span>{" "}
      <Link to="/leaderboards?period=month">{t("rank.link")}</Link>
    </p>
  );
}
