import { useTranslation } from "react-i18next";

/** Marks a test row (a link, click or conversion of the sandbox): counted nowhere live. */
export function TestBadge() {
  const { t } = useTranslation();
  return (
    <span className="badge badge-test" title={t("testMode.badgeHint")} data-testid="test-badge">
      {t("testMode.badge")}
    </span>
  );
}
