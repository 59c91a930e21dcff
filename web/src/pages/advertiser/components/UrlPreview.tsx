import { useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { fillMacros, sampleValues, unknownMacros } from "../lib/macros";

/** A destination template with its macros filled with sample values, as the edge would. */
export function UrlPreview({
  template,
  offerId,
  label,
  testId,
}: {
  template: string;
  offerId: number | undefined;
  label: string;
  testId: string;
}) {
  const { t } = useTranslation("advertiser");
  const [now] = useState(() => new Date());
  const id = useId();
  const values = sampleValues(offerId, now);
  const trimmed = template.trim();
  const unknown = unknownMacros(trimmed);
  return (
    <div className="adv-preview">
      <span id={id} className="hint">
        {label}
      </span>
      {trimmed ? (
        <output aria-labelledby={id} className="adv-url" data-testid={testId}>
          {fillMacros(trimmed, values)}
        </output>
      ) : (
        <span className="muted">{t("form.previewEmpty")}</span>
      )}
      {unknown.length > 0 && (
        <small className="notice notice-warn">
          {t("form.unknownMacros", { list: unknown.join(" ") })}
        </small>
      )}
      <details>
        <summary className="hint">{t("form.sampleValues")}</summary>
        <dl className="adv-dl adv-ltr">
          {Object.entries(values).map(([k, v]) => (
            <div key={k} style={{ display: "contents" }}>
              <dt>{`{${k}}`}</dt>
              <dd>{v === "" ? "—" : v}</dd>
            </div>
          ))}
        </dl>
      </details>
    </div>
  );
}
