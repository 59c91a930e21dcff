import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useLedger } from "../../../api/hooks/points";
import { LoadMore } from "../../../components/LoadMore";
import { QueryState } from "../../../components/QueryState";
import { currentLanguage } from "../../../i18n";
import { formatDateTime } from "../../../lib/format";
import { causeKey, entryDetails, formatDay, formatSigned, pointsTone } from "../lib/display";

/**
 * A ledger, newest first, a page at a time: each entry's points with their sign (green or red,
 * and said in words to screen readers), its cause in words, the clicks' day, an adjustment's
 * reason and a link to the conversion on the conversions page.
 */
export function Ledger({ promoterId }: { promoterId: number | null }) {
  const { t } = useTranslation("points");
  const lang = currentLanguage();
  const ledger = useLedger(promoterId);
  const id = useId();
  return (
    <section className="card stack" aria-labelledby={id}>
      <h2 id={id} className="points-h2">
        {t("ledger.title")}
      </h2>
      <QueryState query={ledger}>
        {({ pages }) => {
          const entries = pages.flatMap((p) => p.data);
          if (entries.length === 0) return <p className="muted">{t("ledger.empty")}</p>;
          return (
            <>
              <ol className="points-ledger" aria-label={t("ledger.caption")} data-testid="ledger">
                {entries.map((e) => {
                  const tone = pointsTone(e.points);
                  const d = entryDetails(e);
                  return (
                    <li
                      key={e.id}
                      className={`points-entry points-${tone}`}
                      data-testid="ledger-entry"
                      data-cause={e.cause}
                      data-points={e.points}
                    >
                      <span className="points-amount" data-testid="ledger-points">
                        <bdi>{formatSigned(e.points, lang)}</bdi>
                        <span className="visually-hidden"> {t(`ledger.${tone}`)}</span>
                      </span>
                      <div className="points-entry-body">
                        <div className="points-entry-head">
                          <strong data-testid="ledger-cause">{t(causeKey(e.cause))}</strong>
                          <time dateTime={e.created_at} className="muted">
                            {formatDateTime(e.created_at, lang)}
                          </time>
                        </div>
                        {d.day && (
                          <div>
                            <time dateTime={d.day}>
                              {t("ledger.day", { day: formatDay(d.day, lang) })}
                            </time>
                          </div>
                        )}
                        {d.reason && (
                          <div>
                            <span className="muted">{t("ledger.reason")} </span>
                            <span dir="auto" data-testid="ledger-reason">
                              {d.reason}
                            </span>
                          </div>
                        )}
                        {(d.conversionId || d.offerId !== null) && (
                          <div className="points-entry-links">
                            {d.offerId !== null && (
                              <span className="muted">{t("ledger.offer", { id: d.offerId })}</span>
                            )}
                            {d.conversionId && (
                              <Link to={`/conversions?id=${encodeURIComponent(d.conversionId)}`}>
                                {t("ledger.conversion")}
                              </Link>
                            )}
                          </div>
                        )}
                      </div>
                    </li>
                  );
                })}
              </ol>
              <LoadMore query={ledger} />
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
