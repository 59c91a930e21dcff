import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { TextField } from "../../../components/Field";
import { currentLanguage } from "../../../i18n";
import { formatDate } from "../../../lib/format";
import {
  checkRange,
  MAX_DAYS,
  presetDays,
  presets,
  type RangeProblem,
  type RangeView,
} from "../lib/range";

const presetKey = { today: "today", "7d": "d7", "30d": "d30", "90d": "d90" } as const;

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
  const [customOpen, setCustomOpen] = useState(value.range === "custom");
  const [from, setFrom] = useState(value.from);
  const [to, setTo] = useState(value.to);
  const [problems, setProblems] = useState<{ from?: RangeProblem; to?: RangeProblem }>({});
  // The URL may change under the form (back/forward, a preset): the inputs follow it.
  const shown = `${value.range}|${value.from}|${value.to}`;
  const [synced, setSynced] = useState(shown);
  if (synced !== shown) {
    setSynced(shown);
    setFrom(value.from);
    setTo(value.to);
    setCustomOpen(value.range === "custom");
    setProblems({});
  }
  const custom = customOpen || value.range === "custom";
  // The API's messages about the range when no field shows them (a preset was refused).
  const stray = custom ? [] : [apiErrors.from, apiErrors.to].filter((m) => m !== undefined);

  function problemText(p: RangeProblem | undefined): string | undefined {
    return p ? t(`range.problems.${p}`, { days: MAX_DAYS }) : undefined;
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    const found = checkRange(from, to);
    setProblems(found);
    if (!found.from && !found.to) onChange({ range: "custom", from, to });
  }

  return (
    <div className="card stack stats-controls">
      <fieldset className="stats-presets">
        <legend>{t("range.legend")}</legend>
        <div className="stats-segmented">
          {presets.map((p) => (
            <button
              key={p}
              type="button"
              className="btn btn-small"
              aria-pressed={!custom && value.range === p}
              onClick={() => {
                setCustomOpen(false);
                setProblems({});
                onChange({ range: p, ...presetDays(p, new Date()) });
              }}
            >
              {t(`range.${presetKey[p]}`)}
            </button>
          ))}
          <button
            type="button"
            className="btn btn-small"
            aria-pressed={custom}
            onClick={() => {
              setFrom(value.from);
              setTo(value.to);
              setCustomOpen(true);
            }}
          >
            {t("range.custom")}
          </button>
        </div>
      </fieldset>
      {custom && (
        <form className="row" onSubmit={apply} noValidate>
          <TextField
            label={t("range.from")}
            type="date"
            name="from"
            min="1970-01-01"
            max="9000-12-31"
            required
            value={from}
            onChange={(e) => {
              setFrom(e.target.value);
              setProblems({});
            }}
            error={problemText(problems.from) ?? apiErrors.from}
          />
          <TextField
            label={t("range.to")}
            type="date"
            name="to"
            min="1970-01-01"
            max="9000-12-31"
            required
            value={to}
            onChange={(e) => {
              setTo(e.target.value);
              setProblems({});
            }}
            error={problemText(problems.to) ?? apiErrors.to}
          />
          <button type="submit" className="btn btn-primary">
            {t("range.apply")}
          </button>
        </form>
      )}
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
    </div>
  );
}
