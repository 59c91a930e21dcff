import { useTranslation } from "react-i18next";
import type { Board, Place } from "../../../api/hooks/leaderboards";
import { TableWrap } from "../../../components/TableWrap";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";

/**
 * Places of a board as a table (rank, name, points), the caller's row marked by its look, a
 * word after its name and `aria-current`. The caption says which board and period it is.
 */
export function PlacesTable({
  board,
  places,
  own,
  label,
  caption,
  testid,
}: {
  board: Board;
  places: Place[];
  own: number | null;
  label: string;
  caption: string;
  testid: string;
}) {
  const { t } = useTranslation("leaderboards");
  const lang = currentLanguage();
  return (
    <TableWrap label={label}>
      <table className="lb-table" data-testid={testid}>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col" className="num lb-rank">
              {t("table.rank")}
            </th>
            <th scope="col">{board === "teams" ? t("table.team") : t("table.promoter")}</th>
            <th scope="col" className="num">
              {t("table.points")}
            </th>
          </tr>
        </thead>
        <tbody>
          {places.map((p) => {
            const mine = own !== null && p.id === own;
            return (
              <tr
                key={`${p.rank}-${p.id}`}
                className={mine ? "lb-own" : undefined}
                aria-current={mine ? "true" : undefined}
                data-rank={p.rank}
                data-id={p.id}
                data-points={p.points}
              >
                <td className="num lb-rank">{formatNumber(p.rank, lang)}</td>
                <th scope="row" className="lb-name">
                  <bdi data-testid="place-name">{p.name}</bdi>
                  {mine && (
                    <span className="lb-you">
                      {" "}
                      {board === "teams" ? t("table.yourTeam") : t("table.you")}
                    </span>
                  )}
                </th>
                <td className="num">{formatNumber(p.points, lang)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}
