import { useTranslation } from "react-i18next";
import type { Granularity, GroupBy } from "../../api/hooks/stats";
import type { Role } from "../../auth/session";
import { SelectField } from "../../components/Field";
import { RangePicker } from "../../components/RangePicker";
import { currentLanguage } from "../../i18n";
import { spanDays } from "../../lib/dates";
import { countryName } from "./StatsTable";
import { granularities, groupsFor, maxDays, type StatsView } from "./view";

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
  const hourTooLong = spanDays(view.from, view.to) > maxDays("hour");
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
    <RangePicker
      ns="stats"
      value={view}
      maxDays={maxDays(view.granularity)}
      apiErrors={apiErrors}
      onPreset={(p) => onChange({ range: p })}
      onCustom={(days) => onChange({ range: "custom", ...days })}
    >
      {(custom) => {
        // The API's messages for fields not shown next to a control (tz, country, …) go below.
        const placed = custom
          ? ["from", "to", "granularity", "group_by"]
          : ["granularity", "group_by"];
        const others = Object.entries(apiErrors).filter(([field]) => !placed.includes(field));
        return (
          <>
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
          </>
        );
      }}
    </RangePicker>
  );
}
