import { useTranslation } from "react-i18next";
import { type FraudReason, reasonBlocks } from "../lib/fraudReasons";

/**
 * A click's or conversion's fraud reasons as badges. The text says what each is, and a signal
 * (vpn_ip) says so in words too, not by its colour alone; `overruled` adds a marker (a reviewer
 * approved it despite the reasons). Nothing flagged: "None".
 */
export function FraudBadges({
  reasons,
  overruled = false,
}: {
  reasons: readonly FraudReason[];
  overruled?: boolean;
}) {
  const { t } = useTranslation();
  if (reasons.length === 0 && !overruled) {
    return (
      <span className="muted" data-fraud="none">
        {t("reasons.none")}
      </span>
    );
  }
  return (
    <ul className="fraud-badges" aria-label={t("reasons.title")}>
      {reasons.map((r) => {
        const blocks = reasonBlocks(r);
        return (
          <li
            key={r}
            className={`badge ${blocks ? "badge-danger" : "badge-warn"}`}
            data-reason={r}
            title={t(`reasons.hint.${r}`)}
          >
            {blocks
              ? t(`reasons.label.${r}`)
              : t("reasons.signal", { label: t(`reasons.label.${r}`) })}
          </li>
        );
      })}
      {overruled && (
        <li className="badge badge-ok" data-reason="overruled" title={t("reasons.overruledHint")}>
          {t("reasons.overruled")}
        </li>
      )}
    </ul>
  );
}
