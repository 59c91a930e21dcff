import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/errors";

/** What went wrong with an API call, in words a user can act on. */
export function errorText(error: unknown, t: TFunction): string {
  if (!(error instanceof ApiError)) return t("errors.server");
  if (error.status === 0) return t("errors.network");
  if (error.status === 403) return t("errors.forbiddenDetail", { detail: error.message });
  if (error.status === 429) return t("errors.rateLimited", { seconds: error.retryAfterSecs ?? 60 });
  if (error.status >= 500) return t("errors.server");
  if (error.code === "validation_failed" && Object.keys(error.fields).length > 0) {
    return t("errors.fix");
  }
  return error.message;
}

export function ErrorNotice({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation();
  const forbidden = error instanceof ApiError && error.status === 403;
  return (
    <div
      className="notice notice-error"
      role="alert"
      data-testid={forbidden ? "forbidden" : "error"}
    >
      {forbidden && <strong>{t("errors.forbidden")} </strong>}
      <span>{errorText(error, t)}</span>
      {onRetry && !forbidden && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          {t("actions.retry")}
        </button>
      )}
    </div>
  );
}
