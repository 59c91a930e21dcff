import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import {
  type Lang,
  type Suggestion,
  useRefreshInsights,
  useSuggestions,
} from "../../../api/hooks/assistant";
import { useJoinOffer } from "../../../api/hooks/marketplace";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { QueryState } from "../../../components/QueryState";
import { currentLanguage } from "../../../i18n";
import { formatNumber, formatPercent } from "../../../lib/format";
import { countryName, formatPayout, payoutOf } from "../../promoter/display";
import { Figures } from "./Figures";

function SuggestionCard({ s, onJoined }: { s: Suggestion; onJoined: (name: string) => void }) {
  const { t } = useTranslation("assistant");
  const lang = currentLanguage();
  const join = useJoinOffer(s.offer_id);
  const refresh = useRefreshInsights();
  const id = useId();
  const payout = formatPayout(payoutOf(s), lang);
  return (
    <li className="card stack" data-testid="suggestion" data-offer-id={s.offer_id}>
      <div className="asst-head">
        <h3 id={`${id}-name`} className="asst-h3" dir="auto">
          <Link to={`/marketplace/${s.offer_id}`}>{s.name}</Link>
        </h3>
        <span className="badge" data-testid="suggestion-fit">
          {t("suggestions.fit", { score: formatPercent(s.score, lang) })}
        </span>
      </div>
      <p className="asst-meta muted">
        {t("suggestions.category")}: <span dir="auto">{s.category}</span>
        {" · "}
        {t("suggestions.model")}: {t(`promoter:models.${s.payout_model}`)}
        {payout && (
          <>
            {" · "}
            {t("suggestions.payout")}: {payout}
          </>
        )}
      </p>
      <ul className="asst-reasons" data-testid="suggestion-reasons">
        {s.reasons.map((r) => (
          <li key={r.code} className="stack" style={{ gap: "0.25rem" }} data-code={r.code}>
            <span dir="auto" data-testid="suggestion-reason">
              {r.text}
            </span>
            <Figures figures={r.figures} />
          </li>
        ))}
      </ul>
      {join.error ? <ErrorNotice error={join.error} /> : null}
      <div className="row">
        <button
          type="button"
          className="btn btn-primary"
          disabled={join.isPending}
          aria-busy={join.isPending || undefined}
          aria-label={t("suggestions.joinNamed", { name: s.name })}
          onClick={() =>
            join.mutate(undefined, {
              onSuccess: async () => {
                onJoined(s.name);
                await refresh();
              },
            })
          }
        >
          {join.isPending ? t("suggestions.joining") : t("suggestions.join")}
        </button>
      </div>
    </li>
  );
}

/** Offers to join with why, and a Join button each; when there are none, the API's reason. */
export function SuggestionsSection({ lang }: { lang: Lang }) {
  const { t } = useTranslation("assistant");
  const suggestions = useSuggestions(lang, true);
  const [joined, setJoined] = useState<string | null>(null);
  const id = useId();
  return (
    <section className="stack" aria-labelledby={`${id}-title`} data-testid="suggestions">
      <h2 id={`${id}-title`} className="asst-h2">
        {t("suggestions.title")}
      </h2>
      <p className="asst-flush muted">{t("suggestions.intro")}</p>
      {joined && (
        <p className="notice notice-ok" role="status" data-testid="suggestion-joined">
          <span>{t("suggestions.joined", { name: joined })}</span>{" "}
          <Link to="/links">{t("suggestions.openLinks")}</Link>
        </p>
      )}
      <QueryState query={suggestions}>
        {(s) => (
          <>
            {s.data.length === 0 ? (
              <p className="notice notice-warn" data-testid="suggestions-note" dir="auto">
                {s.note?.text ?? t("suggestions.empty")}
              </p>
            ) : (
              <ol className="asst-list" data-testid="suggestion-list">
                {s.data.map((o) => (
                  <SuggestionCard key={o.offer_id} s={o} onJoined={setJoined} />
                ))}
              </ol>
            )}
            <p className="asst-flush muted asst-meta" data-testid="suggestions-context">
              {s.main_countries.length > 0 &&
                `${t("suggestions.mainCountries", {
                  countries: s.main_countries
                    .map((c) => countryName(c, lang))
                    .join(lang === "ar" ? "، " : ", "),
                })} `}
              {s.left_out.paused + s.left_out.capped + s.left_out.geo_blocked > 0 &&
                `${t("suggestions.leftOut", {
                  paused: formatNumber(s.left_out.paused, lang),
                  capped: formatNumber(s.left_out.capped, lang),
                  geo: formatNumber(s.left_out.geo_blocked, lang),
                })} `}
              {s.total > s.data.length &&
                t("suggestions.shown", {
                  shown: formatNumber(s.data.length, lang),
                  total: formatNumber(s.total, lang),
                })}
            </p>
          </>
        )}
      </QueryState>
    </section>
  );
}
