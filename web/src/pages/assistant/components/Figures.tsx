import { useTranslation } from "react-i18next";
import type { Figures as FigureMap } from "../../../api/hooks/assistant";
import { currentLanguage } from "../../../i18n";
import { formatFigure } from "../lib/display";

/**
 * The numbers behind a text, name and value, as the API lists them (a name it adds later is
 * shown as it is named).
 */
export function Figures({ figures }: { figures: FigureMap }) {
  const { t } = useTranslation("assistant");
  const lang = currentLanguage();
  const entries = Object.entries(figures).filter(
    ([, v]) => v !== null && v !== undefined && !(Array.isArray(v) && v.length === 0),
  );
  if (entries.length === 0) return null;
  return (
    <div>
      <span className="visually-hidden">{t("analysis.figures")}</span>
      <dl className="asst-figures" data-testid="figures">
        {entries.map(([name, value]) => (
          <div key={name} data-figure={name}>
            <dt>{t(`figureNames.${name}`, { defaultValue: name.replaceAll("_", " ") })}</dt>
            <dd dir="auto">{formatFigure(name, value, figures, lang)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
