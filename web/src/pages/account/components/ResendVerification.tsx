import { useTranslation } from "react-i18next";
import { ApiError } from "../../../api/errors";
import { useResendVerification } from "../../../api/hooks/account";
import { ErrorNotice } from "../../../components/ErrorNotice";

/** "Send me a new verification link", and what came of it. */
export function ResendVerification({ email }: { email: string }) {
  const { t } = useTranslation("auth");
  const resend = useResendVerification();
  const already = resend.error instanceof ApiError && resend.error.code === "already_verified";
  return (
    <div className="stack">
      <div>
        <button
          type="button"
          className="btn btn-small"
          disabled={resend.isPending}
          onClick={() => resend.mutate()}
        >
          {t("profile.resend")}
        </button>
      </div>
      {resend.isSuccess && (
        <p className="notice notice-ok" role="status" data-testid="resend-sent">
          {t("profile.resent", { email })}
        </p>
      )}
      {already && (
        <p className="notice notice-ok" role="status">
          {t("profile.alreadyVerified")}
        </p>
      )}
      {resend.isError && !already && <ErrorNotice error={resend.error} />}
    </div>
  );
}
