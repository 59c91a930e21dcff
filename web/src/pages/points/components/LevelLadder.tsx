import { useId } from "react";
import { useTranslation } from "react-i18next";
import type { LevelView } from "../../../api/hooks/points";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import { ladder } from "../lib/display";
import { useLevelName } from "../lib/useLevelName";

/**
 * Every level, lowest first, from how many lifetime points each starts: the current one
 * highlighted (and marked aria-current), the ones passed marked with a check and in words.
 */
export function LevelLadder({ levels, lifetime }: { levels: LevelView[]; lifetime: number }) {
  const { t } = useTranslation("points");
  const lang = currentLanguage();
  const levelName = useLevelName();
  const id = useId();
  return (
    <section className="card stack" aria-labelledby={id}>
      <h2 id={id} className="points-h2">
        {t("ladder.title")}
      </h2>
      <ol className="points-ladder" data-testid="points-ladder">
        {ladder(levels, lifetime).map((rung) => (
          <li
            key={rung.name}
            className={`points-rung points-rung-${rung.state}`}
            data-state={rung.state}
            aria-current={rung.state === "current" ? "step" : undefined}
          >
            <span className="points-rung-mark" aria-hidden="true">
              {rung.state === "ahead" ? "○" : rung.state === "current" ? "★" : "✓"}
            </span>
            <span className="points-rung-name" dir="auto">
              {levelName(rung.name)}
            </span>
            <span className="points-rung-min muted">
              {t("ladder.from", { points: formatNumber(rung.min_points, lang) })}
            </span>
            <span className="points-rung-state">{t(`ladder.${rung.state}`)}</span>
          </li>
        ))}
      </ol>
    </section>
  );
}
