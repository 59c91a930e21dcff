import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { RangePicker } from "../../../components/RangePicker";
import { currentLanguage } from "../../../i18n";
import { formatDate } from "../../../lib/format";
import { MAX_DAYS, presetDays, type RangeView } from "../lib/range";

/** A UTC day (YYYY-MM-DD) written for people, in the UTC calendar. */
export function dayText(day: string, lang: string): string {
  return formatDate(`${day}T12:00:00Z`, lang, "UTC");
}

/**
 * The range of a fraud page: presets counted back from today, or custom UTC days checked as
 * the API checks them (at most 92 days). The API's own messages for `from` and `to` show at
 * the fields.
 */
export function RangeControl({
  value,
  apiErrors,
  onChange,
  children,
}: {
  value: RangeView;
  apiErrors: Record<string, string>;
  onChange: (range: RangeView) => void;
  /** More filters, on the same card. */
  children?: ReactNode;
}) {
  const { t } = useTranslation("fraud");
  const lang = currentLanguage();
  return (
    <RangePicker
      ns="fraud"
      value={value}
      maxDays={MAX_DAYS}
      apiErrors={apiErrors}
      onPreset={(p) => onChange({ range: p, ...presetDays(p, new Date()) })}
      onCustom={(days) => onChange({ range: "custom", ...days })}
    >
      {(custom) => {
        // The API's messages about the range when no field shows them (a preset was refused).
        const stray = custom ? [] : [apiErrors.from, apiErrors.to].filter((m) => m !== undefined);
        return (
          <>
            {stray.length > 0 && (
              <ul className="field-error stats-other-errors" role="alert">
                {stray.map((m) => (
                  <li key={m}>{m}</li>
                ))}
              </ul>
            )}
            {children}
            <p className="muted stats-note" data-testid="fraud-range">
              {t("range.value", { from: dayText(value.from, lang), to: dayText(value.to, lang) })}
            </p>
          </>
        );
      }}
    </RangePicker>
  );
}
