import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { ContestView } from "../../../api/hooks/contests";
import { currentLanguage } from "../../../i18n";
import { formatDateTime } from "../../../lib/format";
import { countdownTarget, formatLeft, phaseOf } from "../lib/display";
import { useNow } from "../lib/useNow";

/**
 * Where the contest is in time: starts in, time left, results being counted, finished or
 * cancelled. When a countdown reaches zero `onElapsed` is called (the page reads the contest
 * again: the API moves it on by itself). A timer: screen readers do not announce each second.
 */
export function Countdown({ c, onElapsed }: { c: ContestView; onElapsed?: () => void }) {
  const { t } = useTranslation("contests");
  const lang = currentLanguage();
  const now = useNow(1000);
  const phase = phaseOf(c, now);
  const target = countdownTarget(c, now);
  const lastPhase = useRef(phase);
  useEffect(() => {
    if (lastPhase.current !== phase) {
      lastPhase.current = phase;
      onElapsed?.();
    }
  }, [phase, onElapsed]);
  let text: string;
  if (phase === "upcoming" && target !== null) {
    text = t("countdown.startsIn", { left: formatLeft(target - now, lang) });
  } else if (phase === "running" && target !== null) {
    text = t("countdown.endsIn", { left: formatLeft(target - now, lang) });
  } else if (phase === "counting") {
    text = t("countdown.counting");
  } else if (phase === "finished") {
    text = t("countdown.finished", {
      at: formatDateTime(c.finished_at ?? c.ends_at, lang),
    });
  } else if (phase === "cancelled") {
    text = t("countdown.cancelled");
  } else {
    text = t("countdown.draft");
  }
  return (
    <p className="contest-countdown" role="timer" data-testid="countdown" data-phase={phase}>
      {text}
    </p>
  );
}
