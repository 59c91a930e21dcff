import { useTranslation } from "react-i18next";
import type { Board, Period } from "../../../api/hooks/leaderboards";
import { BOARDS, PERIODS } from "../lib/board";

/** One choice of a few, as toggle buttons in a fieldset (the chosen one pressed). */
function Choices<T extends string>({
  legend,
  options,
  value,
  label,
  onChange,
}: {
  legend: string;
  options: readonly T[];
  value: T;
  label: (o: T) => string;
  onChange: (o: T) => void;
}) {
  return (
    <fieldset className="lb-choices">
      <legend>{legend}</legend>
      <div className="lb-segmented">
        {options.map((o) => (
          <button
            key={o}
            type="button"
            className="btn btn-small"
            aria-pressed={o === value}
            onClick={() => onChange(o)}
          >
            {label(o)}
          </button>
        ))}
      </div>
    </fieldset>
  );
}

/** Which board (promoters or teams) and which period (all time, this month, this week). */
export function BoardControls({
  board,
  period,
  onChange,
}: {
  board: Board;
  period: Period;
  onChange: (board: Board, period: Period) => void;
}) {
  const { t } = useTranslation("leaderboards");
  return (
    <div className="card lb-controls" data-testid="lb-controls">
      <Choices
        legend={t("boards.legend")}
        options={BOARDS}
        value={board}
        label={(b) => t(`boards.${b}`)}
        onChange={(b) => onChange(b, period)}
      />
      <Choices
        legend={t("periods.legend")}
        options={PERIODS}
        value={period}
        label={(p) => t(`periods.${p}`)}
        onChange={(p) => onChange(board, p)}
      />
    </div>
  );
}
