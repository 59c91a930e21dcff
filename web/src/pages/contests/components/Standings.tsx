// The standings of a contest: live while it runs (read again every 15 s), its results with
// their prizes once finished; the caller's own place above the table and its row highlighted.
import { type ReactNode, useId } from "react";
import { useTranslation } from "react-i18next";
import { type ContestView, type StandingView, useStandings } from "../../../api/hooks/contests";
import { LoadMore } from "../../../components/LoadMore";
import { TableWrap } from "../../../components/TableWrap";
import { currentLanguage } from "../../../i18n";
import { formatDateTime, formatNumber } from "../../../lib/format";
import { formatScore, isMine } from "../lib/display";
import { ContestError } from "./ContestError";
import { prizeText } from "./ContestFacts";

const LIVE_REFRESH_MS = 15_000;

export function Standings({ contest }: { contest: ContestView }) {
  const { t } = useTranslation("contests");
  const lang = currentLanguage();
  const id = useId();
  const live = contest.status === "scheduled" || contest.status === "running";
  const standings = useStandings(
    contest.id,
    contest.status !== "cancelled",
    live ? LIVE_REFRESH_MS : false,
  );
  const pages = standings.data?.pages ?? [];
  const rows = pages.flatMap((p) => p.data);
  const mine = pages[0]?.mine ?? null;
  const frozen = pages[0]?.frozen ?? contest.status === "finished";
  const score = (s: StandingView) => formatScore(s.score, contest, lang);
  const title = frozen ? t("standings.results") : t("standings.live");

  let body: ReactNode;
  if (standings.error) {
    body = <ContestError error={standings.error} onRetry={() => void standings.refetch()} />;
  } else if (standings.isPending) {
    body = (
      <p className="muted" aria-busy="true">
        {t("state.loading", { ns: "common" })}
      </p>
    );
  } else if (rows.length === 0) {
    body = (
      <p className="muted contest-flush" data-testid="standings-empty">
        {t("standings.empty")}
      </p>
    );
  } else {
    body = (
      <>
        <TableWrap label={title}>
          <table data-testid="standings">
            <thead>
              <tr>
                <th scope="col" className="num">
                  {t("standings.rank")}
                </th>
                <th scope="col">
                  {contest.kind === "team" ? t("standings.team") : t("standings.promoter")}
                </th>
                <th scope="col" className="num">
                  {t(`standings.score.${contest.metric}`)}
                </th>
                <th scope="col">{t("standings.reachedAt")}</th>
                {frozen && <th scope="col">{t("standings.prize")}</th>}
              </tr>
            </thead>
            <tbody>
              {rows.map((s) => {
                const me = isMine(s, mine);
                return (
                  <tr
                    key={s.rank}
                    className={me ? "contest-mine" : undefined}
                    aria-current={me ? "true" : undefined}
                    data-testid={me ? "standing-mine" : "standing"}
                  >
                    <td className="num">{formatNumber(s.rank, lang)}</td>
                    <th scope="row">
                      <span dir="auto">{s.name}</span>
                      {me && (
                        <span className="badge badge-ok contest-you">{t("standings.you")}</span>
                      )}
                    </th>
                    <td className="num">{score(s)}</td>
                    <td>
                      {s.reached_at ? (
                        <time dateTime={s.reached_at}>{formatDateTime(s.reached_at, lang)}</time>
                      ) : (
                        <span className="muted">{t("standings.notYet")}</span>
                      )}
                    </td>
                    {frozen && <td dir="auto">{s.prize ? prizeText(s.prize, lang) : "—"}</td>}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
        <LoadMore query={standings} />
      </>
    );
  }

  return (
    <section className="card stack" aria-labelledby={id} data-testid="standings-section">
      <h2 id={id} className="contest-h2">
        {title}
      </h2>
      <p className="muted contest-flush">
        {frozen ? t("standings.frozenHint") : t("standings.liveHint")}
      </p>
      {mine && (
        <p className="notice notice-ok contest-flush" data-testid="my-place">
          {frozen && mine.prize
            ? t("standings.myPlaceWon", {
                rank: formatNumber(mine.rank, lang),
                score: score(mine),
                prize: prizeText(mine.prize, lang),
              })
            : t("standings.myPlace", { rank: formatNumber(mine.rank, lang), score: score(mine) })}
        </p>
      )}
      {body}
    </section>
  );
}
