import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { ContestView } from "../../../api/hooks/contests";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import { ContestWindow, MetricAndKind, PrizeList, StatusBadge } from "./ContestFacts";

/** A contest in a list: its name (to its page), state, window, metric and kind, top prizes. */
export function ContestCard({ c, showStatus }: { c: ContestView; showStatus: boolean }) {
  const { t } = useTranslation("contests");
  const lang = currentLanguage();
  return (
    <li className="card stack contest-card" data-testid="contest" data-contest-id={c.id}>
      <div className="contest-card-head">
        <h2 className="contest-card-title">
          <Link to={`/contests/${c.id}`} dir="auto">
            {c.name}
          </Link>
        </h2>
        {showStatus && <StatusBadge status={c.status} />}
        {c.entered && (
          <span className="badge badge-ok" data-testid="contest-entered">
            {t("list.entered")}
          </span>
        )}
      </div>
      <p className="contest-flush">
        <ContestWindow c={c} />
      </p>
      <p className="contest-flush muted">
        <MetricAndKind c={c} />
        {" · "}
        {t("facts.entrants", { n: formatNumber(c.entrants, lang) })}
        {c.advertiser_id == null && (
          <>
            {" · "}
            {t("facts.platform")}
          </>
        )}
      </p>
      <PrizeList prizes={c.prizes} limit={3} />
    </li>
  );
}
