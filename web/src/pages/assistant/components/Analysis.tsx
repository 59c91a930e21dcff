import { useId } from "react";
import { useTranslation } from "react-i18next";
import { type Lang, useAnalysis, useTips } from "../../../api/hooks/assistant";
import { QueryState } from "../../../components/QueryState";
import { currentLanguage } from "../../../i18n";
import { formatDate } from "../../../lib/format";
import { isolate, tipNumber } from "../lib/display";
import { Figures } from "./Figures";

const SEVERITY_BADGE: Record<string, string> = {
  good: "badge badge-ok",
  info: "badge",
  warning: "badge badge-warn",
};

/** The findings of the last 30 days: each with its severity in words, figures and advice. */
export function AnalysisSection({ lang }: { lang: Lang }) {
  const { t } = useTranslation("assistant");
  const analysis = useAnalysis(lang);
  const id = useId();
  const day = (d: string) => isolate(formatDate(d, currentLanguage(), "UTC"), currentLanguage());
  return (
    <section className="stack" aria-labelledby={`${id}-title`} data-testid="analysis">
      <h2 id={`${id}-title`} className="asst-h2">
        {t("analysis.title")}
      </h2>
      <QueryState query={analysis}>
        {(a) => (
          <>
            <p className="asst-flush muted">
              {t("analysis.window", { from: day(a.from), to: day(a.to) })}
            </p>
            {a.findings.length === 0 ? (
              <p className="muted">{t("analysis.empty")}</p>
            ) : (
              <ul className="asst-list">
                {a.findings.map((f, i) => (
                  <li
                    // A code may come twice (one per offer): its place tells them apart, and
                    // the list is replaced whole.
                    // biome-ignore lint/suspicious/noArrayIndexKey: a list replaced whole
                    key={`${f.code}-${i}`}
                    className="card stack"
                    data-testid="finding"
                    data-code={f.code}
                    data-severity={f.severity}
                  >
                    <div className="asst-head">
                      <p className="asst-text" dir="auto" data-testid="finding-text">
                        {f.text}
                      </p>
                      <span className={SEVERITY_BADGE[f.severity] ?? "badge"}>
                        {t(`analysis.severity.${f.severity}`, { defaultValue: f.severity })}
                      </span>
                    </div>
                    <Figures figures={f.figures} />
                    <p className="asst-text" data-testid="finding-recommendation">
                      <strong>{t("analysis.recommendation")}: </strong>
                      <span dir="auto">{f.recommendation}</span>
                    </p>
                  </li>
                ))}
              </ul>
            )}
          </>
        )}
      </QueryState>
    </section>
  );
}

/** The tips the numbers trigger, each with the number that did and its threshold. */
export function TipsSection({ lang }: { lang: Lang }) {
  const { t } = useTranslation("assistant");
  const tips = useTips(lang);
  const id = useId();
  const ui = currentLanguage();
  return (
    <section className="stack" aria-labelledby={`${id}-title`} data-testid="tips">
      <h2 id={`${id}-title`} className="asst-h2">
        {t("tips.title")}
      </h2>
      <QueryState query={tips}>
        {(answer) =>
          answer.tips.length === 0 ? (
            <p className="muted" data-testid="tips-empty">
              {t("tips.empty")}
            </p>
          ) : (
            <ul className="asst-list">
              {answer.tips.map((tip) => (
                <li key={tip.code} className="card stack" data-testid="tip" data-code={tip.code}>
                  <p className="asst-text" dir="auto" data-testid="tip-text">
                    {tip.text}
                  </p>
                  <p className="asst-meta muted" data-testid="tip-trigger">
                    {t("tips.trigger", {
                      figure: isolate(tipNumber(tip.code, tip.figure, ui), ui),
                      threshold: isolate(tipNumber(tip.code, tip.threshold, ui), ui),
                    })}
                  </p>
                </li>
              ))}
            </ul>
          )
        }
      </QueryState>
    </section>
  );
}
