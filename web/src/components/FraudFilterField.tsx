import { useTranslation } from "react-i18next";
import type { FraudReason } from "../lib/fraudReasons";
import { SelectField } from "./Field";

/**
 * The lists' fraud filter: every row, flagged (any reason, a signal too), clean, or one of
 * `reasons`. The value is the API's `fraud` parameter ("" for every row).
 */
export function FraudFilterField({
  value,
  onChange,
  reasons,
  error,
}: {
  value: string;
  onChange: (v: string) => void;
  reasons: readonly FraudReason[];
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  return (
    <SelectField
      label={t("reasons.filter.label")}
      name="fraud"
      value={value}
      onChange={(e) => onChange(e.target.value)}
      error={error}
    >
      <option value="">{t("reasons.filter.all")}</option>
      <option value="any">{t("reasons.filter.any")}</option>
      <option value="none">{t("reasons.filter.none")}</option>
      <optgroup label={t("reasons.filter.only")}>
        {reasons.map((r) => (
          <option key={r} value={r}>
            {t(`reasons.label.${r}`)}
          </option>
        ))}
      </optgroup>
    </SelectField>
  );
}
