import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import type { Level } from "../../../api/hooks/fraud";
import { levelTone, reasonKey } from "../lib/display";

/** A risk level in words, coloured by level (never by colour alone). */
export function RiskBadge({ level }: { level: Level }) {
  const { t } = useTranslation("fraud");
  return (
    <span className={`badge ${levelTone(level)}`} data-level={level} data-testid="risk-level">
      {t(`levels.${level}`)}
    </span>
  );
}

/** Whether a promoter is suspended, in words. */
export function SuspensionBadge({ suspended }: { suspended: boolean }) {
  const { t } = useTranslation("fraud");
  return (
    <span
      className={`badge ${suspended ? "badge-danger" : ""}`}
      data-suspended={suspended}
      data-testid="suspension-state"
    >
      {suspended ? t("suspension.suspended") : t("suspension.active")}
    </span>
  );
}

/**
 * A verdict or reason code's label (a reason's is its badges' short label, in the common
 * namespace); an unknown code as the API wrote it.
 */
export function ReasonLabel({ code }: { code: string }) {
  const { t } = useTranslation("fraud");
  const key = reasonKey(code);
  return key ? t(key) : <code>{code}</code>;
}

/**
 * Text the API wrote in English (findings, notes, why there is no z-score): marked as
 * English and isolated left to right, so it reads right inside an Arabic page too. As a
 * block, it also lines up on the left there, as English text does.
 */
export function English({ children, block = false }: { children: ReactNode; block?: boolean }) {
  if (block) {
    return (
      <p lang="en" dir="ltr" className="fraud-en fraud-en-block">
        {children}
      </p>
    );
  }
  return (
    <span lang="en" dir="ltr" className="fraud-en">
      {children}
    </span>
  );
}
