// The leaderboards (every role's navigation): the promoters' or the teams' board for all
// time, this month or this week, a page of places at a time; and for a promoter its own
// place (or its team's) with the places around it. The board and period are in the address.
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router";
import { useBoard, useMyPlace } from "../../api/hooks/leaderboards";
import { useUser } from "../../auth/useSession";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { currentLanguage } from "../../i18n";
import { formatNumber } from "../../lib/format";
import { BoardControls } from "./components/BoardControls";
import { MyPlaceCard } from "./components/MyPlaceCard";
import { PlacesTable } from "./components/PlacesTable";
import {
  AROUND,
  boardParam,
  boardSearch,
  ownId,
  PAGE_SIZE,
  periodParam,
  periodWords,
} from "./lib/board";
import "./leaderboards.css";

export default function Leaderboards() {
  const { t } = useTranslation("leaderboards");
  const lang = currentLanguage();
  const user = useUser();
  const [params, setParams] = useSearchParams();
  const board = boardParam(params.get("board"));
  const period = periodParam(params.get("period"));
  const promoter = user.role === "promoter";
  const places = useBoard(board, period, PAGE_SIZE);
  const mine = useMyPlace(board, period, AROUND, promoter);
  const own = ownId(board, promoter ? user.id : null, mine.data?.subject_id ?? null);
  const tableId = useId();

  // The period as the API counts it (its key), in words.
  const key = places.data?.pages[0]?.period_key ?? mine.data?.period_key;
  const words = key ? periodWords(key, lang) : null;
  const periodText = words ? t(words.key, words.values) : t(`periods.${period}`);
  const boardText = t(`boards.${board}`);
  const teams = board === "teams";

  return (
    <section className="stack lb-root">
      <PageHeader title={t("title")} />
      <p className="muted lb-flush">{t("intro")}</p>
      <BoardControls
        board={board}
        period={period}
        onChange={(b, p) => setParams(boardSearch(b, p), { replace: true })}
      />
      <p className="lb-period lb-flush" role="status" data-testid="period-label">
        {words ? `${boardText} · ${periodText}` : ""}
      </p>

      {promoter ? (
        <MyPlaceCard board={board} query={mine} period={periodText} />
      ) : (
        <p className="muted lb-flush" data-testid="my-place-not-promoter">
          {t("mine.notPromoter")}
        </p>
      )}

      <section className="stack lb-board" aria-labelledby={tableId}>
        <h2 id={tableId} className="lb-h2">
          {teams ? t("table.titleTeams") : t("table.titlePromoters")}
        </h2>
        <QueryState query={places}>
          {({ pages }) => {
            const data = pages.flatMap((p) => p.data);
            const size = pages[pages.length - 1]?.size ?? 0;
            if (data.length === 0) {
              return (
                <p className="muted lb-flush" data-testid="board-empty">
                  {teams ? t("table.emptyTeams") : t("table.empty")}
                </p>
              );
            }
            return (
              <>
                <p className="muted lb-flush" data-testid="board-size">
                  {t("table.size", { count: formatNumber(size, lang) })}
                </p>
                <PlacesTable
                  board={board}
                  places={data}
                  own={own}
                  label={teams ? t("table.titleTeams") : t("table.titlePromoters")}
                  caption={t("table.caption", { board: boardText, period: periodText })}
                  testid="board"
                />
                <LoadMore query={places} />
              </>
            );
          }}
        </QueryState>
        <p className="muted lb-flush lb-ties" data-testid="ties-note">
          {t("ties")}
        </p>
      </section>
    </section>
  );
}
