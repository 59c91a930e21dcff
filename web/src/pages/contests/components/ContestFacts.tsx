// The small pieces a contest is shown with, in the lists and on its page: its state, its
// window, what counts and who competes, its prizes.
import { useTranslation } from "react-i18next";
import type { ContestStatus, ContestView, PrizeView } from "../../../api/hooks/contests";
import { currentLanguage } from "../../../i18n";
import { formatDateTime, formatMoney, formatNumber } from "../../../lib/format";
import { byRank, statusKey, statusTone } from "../lib/display";

export function StatusBadge({ status }: { status: ContestStatus }) {
  const { t } = useTranslation("contests");
  return (
    <span className={statusTone(status)} data-testid="contest-status" data-status={status}>
      {t(statusKey(status))}
    </span>
  );
}

/** From when to when it counts, in the user's zone (the end is not included). */
export function ContestWindow({ c }: { c: Pick<ContestView, "starts_at" | "ends_at"> }) {
  const { t } = useTranslation("contests");
  const lang = currentLanguage();
  return (
    <span data-testid="contest-window">
      {t("facts.window")} <time dateTime={c.starts_at}>{formatDateTime(c.starts_at, lang)}</time>
      {" – "}
      <time dateTime={c.ends_at}>{formatDateTime(c.ends_at, lang)}</time>
    </span>
  );
}

/** What counts (with the payout metric's currency) and who competes. */
export function MetricAndKind({ c }: { c: Pick<ContestView, "metric" | "currency" | "kind"> }) {
  const { t } = useTranslation("contests");
  return (
    <span data-testid="contest-metric">
      {c.metric === "payout" && c.currency
        ? t("facts.metricPayout", { currency: c.currency })
        : t(`metric.${c.metric}`)}
      {" · "}
      {t(`kind.${c.kind}`)}
    </span>
  );
}

/** A prize's words and amount ("Gift card (USD 100.00)"). */
export function prizeText(p: PrizeView, lang: string): string {
  return p.amount && p.currency
    ? `${p.prize} (${formatMoney(p.amount, p.currency, lang)})`
    : p.prize;
}

/** The prizes by rank, or a line saying there are none; `limit` shows only the first few. */
export function PrizeList({ prizes, limit }: { prizes: PrizeView[]; limit?: number }) {
  const { t } = useTranslation("contests");
  const lang = currentLanguage();
  if (prizes.length === 0) return <p className="muted contest-flush">{t("prizes.none")}</p>;
  const sorted = byRank(prizes);
  const shown = limit ? sorted.slice(0, limit) : sorted;
  return (
    <>
      <ol className="contest-prizes" data-testid="prizes">
        {shown.map((p) => (
          <li key={p.rank}>
            <span className="contest-rank">
              {t("prizes.rank", { rank: formatNumber(p.rank, lang) })}
            </span>{" "}
            <span dir="auto">{prizeText(p, lang)}</span>
          </li>
        ))}
      </ol>
      {shown.length < sorted.length && (
        <p className="muted contest-flush">
          {t("prizes.more", { n: formatNumber(sorted.length - shown.length, lang) })}
        </p>
      )}
    </>
  );
}
