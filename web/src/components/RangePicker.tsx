import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { checkDays, type DayRange, PRESETS, type Preset, type RangeProblem } from "../lib/dates";
import { TextField } from "./Field";

const presetKey: Record<Preset, string> = {
  today: "range.today",
  "7d": "range.d7",
  "30d": "range.d30",
  "90d": "range.d90",
};

/**
 * A range of days on a card: the presets, or custom days checked as the API checks them (at
 * most `maxDays`, both ends counted) before `onCustom`; the API's own messages for `from` and
 * `to` show at the fields. The texts are the namespace `ns`'s `range.*` (legend, presets,
 * from, to, apply, problems). What follows on the card is `children`, given whether the
 * custom days are shown (then they place the API's `from` and `to` messages). Its look is in
 * pages/stats/stats.css, which the pages using it import.
 */
export function RangePicker({
  ns,
  value,
  maxDays,
  apiErrors,
  onPreset,
  onCustom,
  children,
}: {
  ns: "stats" | "fraud";
  value: DayRange & { range: Preset | "custom" };
  maxDays: number;
  apiErrors: Record<string, string>;
  onPreset: (preset: Preset) => void;
  onCustom: (days: DayRange) => void;
  children?: (custom: boolean) => ReactNode;
}) {
  const { t } = useTranslation(ns);
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

  function problemText(p: RangeProblem | undefined): string | undefined {
    return p ? t(`range.problems.${p}`, { days: maxDays }) : undefined;
  }

  function apply(e: FormEvent) {
    e.preventDefault();
    const found = checkDays(from, to, maxDays);
    setProblems(found);
    if (!found.from && !found.to) onCustom({ from, to });
  }

  return (
    <div className="card stack stats-controls">
      <fieldset className="stats-presets">
        <legend>{t("range.legend")}</legend>
        <div className="stats-segmented">
          {PRESETS.map((p) => (
            <button
              key={p}
              type="button"
              className="btn btn-small"
              aria-pressed={!custom && value.range === p}
              onClick={() => {
                setCustomOpen(false);
                setProblems({});
                onPreset(p);
              }}
            >
              {t(presetKey[p])}
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
      {children?.(custom)}
    </div>
  );
}
