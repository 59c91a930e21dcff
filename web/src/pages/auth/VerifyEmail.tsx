import { type ReactNode, useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useVerifyEmail } from "../../api/hooks/account";
import { useSession } from "../../auth/useSession";
import { ErrorNotice } from "../../components/ErrorNotice";
import { PageHeader } from "../../components/PageHeader";
import { ResendVerification } from "../account/components/ResendVerification";
import { isDeadLink, tokenFrom } from "./mailFlows";

/** Opened from a verification mail, signed in or not: spends the link's token once. */
export default function VerifyEmail() {
  const { t } = useTranslation("auth");
  const [params] = useSearchParams();
  const token = tokenFrom(params);
  const session = useSession();
  const verify = useVerifyEmail();
  const { mutate } = verify;
  // A token works once: sent once per page, even when React runs the effect twice.
  const sent = useRef<string | null>(null);
  useEffect(() => {
    if (token && sent.current !== token) {
      sent.current = token;
      mutate(token);
    }
  }, [token, mutate]);

  const signedIn = session.status === "signed-in";
  let body: ReactNode;
  if (!token) {
    body = (
      <p className="notice notice-error" role="alert">
        {t("verify.incomplete")}
      </p>
    );
  } else if (verify.isSuccess) {
    body = (
      <div className="stack">
        <p className="notice notice-ok" role="status" data-testid="verify-done">
          {t("verify.done", { email: verify.data.email })}
        </p>
        <p>
          {signedIn ? (
            <Link to="/profile">{t("verify.toProfile")}</Link>
          ) : (
            <Link to="/login" className="btn btn-primary">
              {t("verify.login")}
            </Link>
          )}
        </p>
      </div>
    );
  } else if (verify.isError) {
    body = isDeadLink(verify.error) ? (
      <div className="stack">
        <p className="notice notice-error" role="alert" data-testid="link-invalid">
          {t("verify.invalid")}
        </p>
        {signedIn ? (
          <ResendVerification email={session.user.email} />
        ) : (
          <p>
            <Link to="/login?next=%2Fprofile">{t("verify.loginToResend")}</Link>
          </p>
        )}
      </div>
    ) : (
      <ErrorNotice error={verify.error} onRetry={() => mutate(token)} />
    );
  } else {
    body = (
      <p className="muted" aria-busy="true">
        {t("verify.checking")}
      </p>
    );
  }

  return (
    <section className="narrow">
      <PageHeader title={t("verify.title")} />
      {body}
    </section>
  );
}
