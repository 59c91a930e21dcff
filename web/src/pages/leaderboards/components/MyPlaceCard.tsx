import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Board, MyPlace } from "../../../api/hooks/leaderboards";
import { QueryState } from "../../../components/QueryState";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import { tiedWith, toPass } from "../lib/board";
import { PlacesTable } from "./PlacesTable";

interface MyPlaceQuery {
  data: MyPlace | undefined;
  error: unknown;
  isPending: boolean;
  refetch: () => unknown;
}

function PlaceBody({ board, place, period }: { board: Board; place: MyPlace; period: string }) {
  const { t } = useTranslation("leaderboards");
  const lang = currentLanguage();
  const teams = board === "teams";
  const entry = place.entry;

  if (place.subject_id == null) {
    return (
      <p className="lb-flush" data-testid="my-place-no-team">
        {t("mine.noTeam")} <Link to="/team">{t("mine.noTeamLink")}</Link>
      </p>
    );
  }
  if (!entry) {
    return (
      <p className="lb-flush" data-testid="my-place-no-points">
        {teams ? t("mine.noPointsTeam") : t("mine.noPoints")}{" "}
        <Link to="/points">{t("mine.noPointsLink")}</Link>
      </p>
    );
  }

  const next = toPass(entry, place.neighbours);
  const ties = tiedWith(entry, place.neighbours);
  const names = new Intl.ListFormat(lang, { type: "conjunction" }).format(ties.map((p) => p.name));
  let nextText: string;
  if (entry.rank === 1) nextText = teams ? t("mine.leadingTeam") : t("mine.leading");
  else if (next === null) nextText = "";
  else
    nextText =
      next.points === 1
        ? t("mine.toPassOne", { name: next.name })
        : t("mine.toPass", { name: next.name, points: formatNumber(next.points, lang) });
  return (
    <>
      <dl className="kpis lb-kpis">
        {teams && (
          <div className="kpi">
            <dt className="kpi-label">{t("mine.team")}</dt>
            <dd className="kpi-value lb-team-name" data-testid="my-place-name">
              <bdi>{entry.name}</bdi>
            </dd>
          </div>
        )}
        <div className="kpi">
          <dt className="kpi-label">{t("mine.rank")}</dt>
          <dd className="kpi-value" data-testid="my-rank">
            {t("mine.rankValue", {
              rank: formatNumber(entry.rank, lang),
              size: formatNumber(place.size, lang),
            })}
          </dd>
        </div>
        <div className="kpi">
          <dt className="kpi-label">{t("mine.points")}</dt>
          <dd className="kpi-value" data-testid="my-points">
            {formatNumber(entry.points, lang)}
          </dd>
        </div>
      </dl>
      {nextText && (
        <p className="lb-flush" data-testid="my-next">
          {nextText}
        </p>
      )}
      {ties.length > 0 && (
        <p className="lb-flush muted" data-testid="my-tie">
          {t("mine.tie", { names })}
        </p>
      )}
      <PlacesTable
        board={board}
        places={place.neighbours}
        own={entry.id}
        label={teams ? t("mine.aroundTeam") : t("mine.around")}
        caption={`${teams ? t("mine.aroundTeam") : t("mine.around")}, ${period}`}
        testid="neighbours"
      />
    </>
  );
}

/**
 * A promoter's place on the board (or its team's): its rank of how many, its points, what it
 * takes to pass the place above, whom it ties with, and the places around it; or why it has
 * none (no team, no points yet) with where to go about it.
 */
export function MyPlaceCard({
  board,
  query,
  period,
}: {
  board: Board;
  query: MyPlaceQuery;
  /** The period in words. */
  period: string;
}) {
  const { t } = useTranslation("leaderboards");
  const id = useId();
  return (
    <section className="card stack lb-mine" aria-labelledby={id} data-testid="my-place">
      <h2 id={id} className="lb-h2">
        {board === "teams" ? t("mine.teamTitle") : t("mine.title")}
      </h2>
      <QueryState query={query}>
        {(place) => <PlaceBody board={board} place={place} period={period} />}
      </QueryState>
    </section>
  );
}
