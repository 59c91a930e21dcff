import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";
import { CopyButton } from "../../../components/CopyButton";

/** A key just created or rotated: the whole key, shown this once, with a copy button. */
export function NewKey({
  created,
  rotated,
  onDone,
}: {
  created: Schemas["NewKeyView"];
  rotated: boolean;
  onDone: () => void;
}) {
  const { t } = useTranslation("auth");
  const ref = useRef<HTMLElement>(null);
  // Focus moves to the key, so keyboard and screen-reader users land on it.
  useEffect(() => {
    if (created.id) ref.current?.focus();
  }, [created.id]);
  return (
    <section
      ref={ref}
      tabIndex={-1}
      className="notice notice-ok new-key"
      aria-labelledby="new-key-title"
    >
      <div className="stack">
        <h2 id="new-key-title" className="new-key-title">
          {rotated
            ? t("apiKeys.rotatedTitle", { name: created.name })
            : t("apiKeys.createdTitle", { name: created.name })}
        </h2>
        <p>
          <strong>{t("apiKeys.onceWarning")}</strong>
        </p>
        <code className="secret" data-testid="new-api-key">
          {created.key}
        </code>
        <div className="row">
          <CopyButton text={created.key} label={t("apiKeys.copyKey")} />
          <button type="button" className="btn btn-small" onClick={onDone}>
            {t("apiKeys.done")}
          </button>
        </div>
        <p className="muted">{t("apiKeys.usage")}</p>
      </div>
    </section>
  );
}
