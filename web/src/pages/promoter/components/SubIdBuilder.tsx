import { useTranslation } from "react-i18next";
import { CopyButton } from "../../../components/CopyButton";
import { TextField } from "../../../components/Field";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import { SUB_KEYS, SUB_MAX_BYTES, type SubIds, utf8Length } from "../subIds";

/**
 * Inputs sub1…sub5 and the link they build, with its own Copy button. The state lives with
 * the caller (the QR code follows the same link). Values longer than the edge keeps (128
 * bytes) are accepted, with a warning.
 */
export function SubIdBuilder({
  subs,
  onChange,
  built,
  offerName,
}: {
  subs: SubIds;
  onChange: (subs: SubIds) => void;
  built: string;
  offerName: string;
}) {
  const { t } = useTranslation("promoter");
  const lang = currentLanguage();
  const any = SUB_KEYS.some((k) => (subs[k] ?? "").trim() !== "");
  return (
    <details className="subids">
      <summary>{t("links.sub.toggle")}</summary>
      <div className="stack">
        <p className="muted">{t("links.sub.intro")}</p>
        <div className="subid-fields">
          {SUB_KEYS.map((k, i) => {
            const bytes = utf8Length((subs[k] ?? "").trim());
            return (
              <TextField
                key={k}
                label={t("links.sub.label", { n: formatNumber(i + 1, lang) })}
                name={k}
                value={subs[k] ?? ""}
                autoComplete="off"
                spellCheck={false}
                dir="auto"
                onChange={(e) => onChange({ ...subs, [k]: e.target.value })}
                hint={
                  bytes > SUB_MAX_BYTES
                    ? t("links.sub.tooLong", {
                        n: formatNumber(i + 1, lang),
                        bytes: formatNumber(bytes, lang),
                        max: formatNumber(SUB_MAX_BYTES, lang),
                      })
                    : undefined
                }
              />
            );
          })}
        </div>
        <div className="stack-tight">
          <span className="label">{t("links.sub.built")}</span>
          <div className="url-row">
            <code className="secret" data-testid="built-url" dir="ltr">
              {built}
            </code>
            <CopyButton text={built} label={t("links.sub.copy", { offer: offerName })} />
          </div>
        </div>
        {any && (
          <div>
            <button type="button" className="btn btn-small btn-ghost" onClick={() => onChange({})}>
              {t("links.sub.clear")}
            </button>
          </div>
        )}
      </div>
    </details>
  );
}
