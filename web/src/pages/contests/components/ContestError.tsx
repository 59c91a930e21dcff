import { useTranslation } from "react-i18next";
import { ApiError } from "../../../api/errors";
import { ErrorNotice } from "../../../components/ErrorNotice";

/** The API's refusals the contest pages put in words of their own. */
export const CONTEST_ERRORS = [
  "illegal_transition",
  "contest_ended",
  "contest_cancelled",
  "no_team",
  "not_found",
] as const;
type Known = (typeof CONTEST_ERRORS)[number];

export function contestErrorCode(code: string): Known | null {
  return (CONTEST_ERRORS as readonly string[]).includes(code) ? (code as Known) : null;
}

/** An API refusal on a contest page: a known one in words, anything else as ErrorNotice says. */
export function ContestError({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = useTranslation("contests");
  const code = error instanceof ApiError ? contestErrorCode(error.code) : null;
  if (code === null) {
    return onRetry ? (
      <ErrorNotice error={error} onRetry={onRetry} />
    ) : (
      <ErrorNotice error={error} />
    );
  }
  return (
    <div className="notice notice-error" role="alert" data-testid="contest-error">
      {t(`errors.${code}`)}
    </div>
  );
}
