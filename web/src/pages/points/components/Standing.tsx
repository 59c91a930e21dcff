import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { PointsView } from "../../../api/hooks/points";
import { currentLanguage } from "../../../i18n";
import { formatNumber, formatPercent } from "../../../lib/format";
import { progressMessage, progressPercent } from "../lib/display";
import { useLevelName } from "../lib/useLevelName";

function Kpi({
  label,
  value,
  hint,
  id,
}: {
  label: string;
  value: string;
  hint?: string;
  id: string;
}) {
  return (
    <div className="kpi">
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-testid={id} dir="auto">
        {value}
      </div>
      {hint && <div className="points-hint muted">{hint}</div>}
    </div>
  );
}

/**
 * A promoter's level, balance and lifetime points, and a progress bar to the next level
 * (role=progressbar, its value the percentage and its text the points still needed).
 */
export function Standing({ view, title }: { view: PointsView; title: string }) {
  const { t } = useTranslation("points");
  const lang = currentLanguage();
  const levelName = useLevelName();
  const id = useId();
  const percent = progressPercent(view);
  const message = progressMessage(view, lang, levelName);
  const said = t(message.key, message.values);
  const label = view.next_level
    ? t("progress.label", { level: levelName(view.next_level.name) })
    : t("progress.labelTop");

  return (
    <section className="card stack" aria-labelledby={`${id}-title`} data-testid="points-standing">
      <h2 id={`${id}-title`} className="points-h2">
        {title}
      </h2>
      <div className="kpis">
        <Kpi id="points-level" label={t("standing.level")} value={levelName(view.level.name)} />
        <Kpi
          id="points-lifetime"
          label={t("standing.lifetime")}
          value={formatNumber(view.lifetime_points, lang)}
          hint={t("standing.lifetimeHint")}
        />
        <Kpi
          id="points-balance"
          label={t("standing.balance")}
          value={formatNumber(view.balance, lang)}
          hint={t("standing.balanceHint")}
        />
      </div>
      <div className="points-progress">
        <div id={`${id}-label`} className="points-progress-label">
          {label}
        </div>
        <div
          className="points-bar"
          role="progressbar"
          aria-labelledby={`${id}-label`}
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={percent}
          aria-valuetext={`${said} (${t("progress.value", { percent: formatPercent(percent / 100, lang) })})`}
          data-testid="points-progress"
        >
          <span className="points-bar-fill" style={{ inlineSize: `${percent}%` }} />
        </div>
        <p className="points-to-next" data-testid="points-to-next">
          {said}
        </p>
      </div>
    </section>
  );
}
