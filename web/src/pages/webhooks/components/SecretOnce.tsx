import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { CopyButton } from "../../../components/CopyButton";
import { currentLanguage } from "../../../i18n";
import { formatDateTime } from "../../../lib/format";

/**
 * An endpoint's signing secret, just made or rotated: shown this once (the API never shows
 * it again), with a copy button; after a rotation, until when the previous one still signs.
 */
export function SecretOnce({
  secret,
  previousUntil,
  onDone,
}: {
  secret: string;
  /** Set after a rotation. */
  previousUntil?: string | undefined;
  onDone: () => void;
}) {
  const { t } = useTranslation("webhooks");
  const ref = useRef<HTMLElement>(null);
  // Focus moves to the secret, so keyboard and screen-reader users land on it; a frame
  // later, so a dialog closing in the same update (a rotation) does not take it back.
  useEffect(() => {
    if (!secret) return;
    const frame = requestAnimationFrame(() => ref.current?.focus());
    return () => cancelAnimationFrame(frame);
  }, [secret]);
  return (
    <section
      ref={ref}
      tabIndex={-1}
      className="card stack wh-secret"
      aria-labelledby="wh-secret-title"
      data-testid="new-secret"
    >
      <h2 id="wh-secret-title" className="wh-card-title">
        {previousUntil ? t("secret.rotatedTitle") : t("secret.createdTitle")}
      </h2>
      <p className="notice notice-warn">
        <strong>{t("secret.once")}</strong>
      </p>
      <code className="secret wh-ltr" data-testid="webhook-secret">
        {secret}
      </code>
      <div className="row">
        <CopyButton text={secret} label={t("secret.copy")} />
        <button type="button" className="btn btn-small btn-primary" onClick={onDone}>
          {t("secret.done")}
        </button>
      </div>
      <p className="muted wh-flush">{t("secret.usage")}</p>
      {previousUntil && (
        <p className="wh-flush" data-testid="previous-until">
          {t("secret.previousUntil", { date: formatDateTime(previousUntil, currentLanguage()) })}
        </p>
      )}
    </section>
  );
}
