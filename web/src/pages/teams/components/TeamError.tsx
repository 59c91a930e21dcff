import { useTranslation } from "react-i18next";
import { ApiError } from "../../../api/errors";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { teamErrorCode } from "../lib/team";

/** The words for a team refusal, or null when ErrorNotice should say it. */
export function useTeamErrorText() {
  const { t } = useTranslation("teams");
  return (error: unknown): string | null => {
    if (!(error instanceof ApiError)) return null;
    if (error.code === "validation_failed" && error.fields.invite_code) {
      return t("errors.unknownCode");
    }
    const code = teamErrorCode(error.code);
    return code ? t(`errors.${code}`) : null;
  };
}

/** An API refusal on the team page, in words of its own when the code is a known one. */
export function TeamError({ error }: { error: unknown }) {
  const text = useTeamErrorText()(error);
  if (text === null) return <ErrorNotice error={error} />;
  return (
    <div className="notice notice-error" role="alert" data-testid="team-error">
      {text}
    </div>
  );
}
