import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Granularity, GroupBy } from "../../api/hooks/stats";
import type { Role } from "../../auth/session";
import { SelectField, TextField } from "../../components/Field";
import { currentLanguage } from "../../i18n";
import type { Preset } from "../../lib/dates";
import { countryName } from "./StatsTable";
import {
  checkRange,
  granularities,
  groupsFor,
  maxDays,
  presets,
  type RangeProblem,
  type StatsView,
  spanDays,
} from "./view";

const presetKey: Record<Preset, string> = {
  today: "range.today",
  "7d": "range.d7",
  "30d": "range.d30",
  "90d": "range.d90",
};

interface Props {
  view: StatsView;
  role: Role;
  /** The API's field errors for the current view (from, to, granularity, group_by, …). */
  apiErrors: Record<string, string>;
  onChange: (patch: Partial<StatsView>) => void;
}

/**
 * Range (presets, or custom days checked as the API checks them), granularity, split and
 * the filters in use. Every change goes to the URL, so it makes a history entry.
 */
export function RangeControls({ view, role, apiErrors, onChange }: Props) {
  const { t } = useTranslation("stats");
  const lang = currentLanguage();
  const [customOpen, setCustomOpen] = useState(view.range === "custom");
  const [from, setFrom] = useState(view.from);
  const [to, setTo] = useState(view.to);
  const [problems, setProblems] = useState<{ from?: RangeProblem; to?: RangeProblem }>({});
  // The URL may change under the form (back/forward, a preset): the inputs follow it.
  const shown = `${view.range}|${view.from}|${view.to}`;
  const [synced, setSynced] = useState(shown);
  if (synced !== shown) {
    setSynced(shown);
    setFrom(view.from);
    setTo(view.to);
    setCustomOpen(view.range === "custom");
    setProblems({});
  }
  const custom = customOpen || view.range === "custom";
  const hourTooLong = spanDays(view.from, view.to) > maxDays("hour");

  function problemText(p: RangeProblem | undefined): string | undefined {
    if (!p) return undefined;
    return t(`range.problems.${p}`, { days: maxDays(view.granularity) });
  }

  function applyCustom(e: FormEvent) {
    e.preventDefault();
    const found = checkRange(from, to, view.granularity);
    setProblems(found);
    if (!found.from && !found.to) onChange({ range: "custom", from, to });
  }

  // The API's messages for fields not shown next to a control (tz, country, …) go below.
  const placed = custom ? ["from", "to", "granularity", "group_by"] : ["granularity", "group_by"];
  const others = Object.entries(apiErrors).filter(([field]) => !placed.includes(field));
  const filters: { key: "offer" | "promoter" | "country"; name: string }[] = [];
  if (view.offer !== null)
    filters.push({ key: "offer", name: t("filters.offer", { id: view.offer }) });
  if (view.promoter !== null) {
    filters.push({ key: "promoter", name: t("filters.promoter", { id: view.promoter }) });
  }
  if (view.country !== null) {
    filters.push({
      key: "country",
      name: t("filters.country", { name: countryName(view.country, lang) }),
    });
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
              aria-pressed={!custom && view.range === p}
              onClick={() => {
                setCustomOpen(false);
                setProblems({});
                onChange({ range: p });
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
              setFrom(view.from);
              setTo(view.to);
              setCustomOpen(true);
            }}
          >
            {t("range.custom")}
          </button>
        </div>
      </fieldset>
      {custom && (
        <form className="row" onSubmit={applyCustom} noValidate>
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
      <div className="row">
        <SelectField
          label={t("granularity.label")}
          name="granularity"
          value={view.granularity}
          onChange={(e) => onChange({ granularity: e.target.value as Granularity })}
          hint={hourTooLong ? t("granularity.hourLimit") : undefined}
          error={apiErrors.granularity}
        >
          {granularities.map((g) => (
            <option key={g} value={g} disabled={g === "hour" && hourTooLong}>
              {t(`granularity.${g}`)}
            </option>
          ))}
        </SelectField>
        <SelectField
          label={t("group.label")}
          name="group_by"
          value={view.group ?? ""}
          onChange={(e) => onChange({ group: (e.target.value || null) as GroupBy | null })}
          error={apiErrors.group_by}
        >
          <option value="">{t("group.none")}</option>
          {groupsFor(role).map((g) => (
            <option key={g} value={g}>
              {t(`group.${g}`)}
            </option>
          ))}
        </SelectField>
      </div>
      {filters.length > 0 && (
        <div className="stats-filters">
          <span className="stats-filters-label">{t("filters.label")}</span>
          <ul>
            {filters.map((f) => (
              <li key={f.key}>
                <button
                  type="button"
                  className="btn btn-small stats-chip"
                  aria-label={t("filters.remove", { name: f.name })}
                  onClick={() => onChange({ [f.key]: null })}
                >
                  <span>{f.name}</span>
                  <span aria-hidden="true">×</span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {others.length > 0 && (
        <ul className="field-error stats-other-errors" role="alert">
          {others.map(([field, message]) => (
            <li key={field}>{t("apiProblem", { field, message })}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
