import { type FormEvent, type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import { useResetPassword } from "../../api/hooks/account";
import { logout, sessionState } from "../../auth/session";
import { useSession } from "../../auth/useSession";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { useApiForm } from "../../components/useApiForm";
import { confirmProblem, isDeadLink, tokenFrom } from "./mailFlows";

/** Where to get a new link: the forgot page, or, signed in, the profile's password form. */
function AskAgain() {
  const { t } = useTranslation("auth");
  const session = useSession();
  return session.status === "signed-in" ? (
    <Link to="/profile">{t("reset.toProfile")}</Link>
  ) : (
    <Link to="/forgot-password">{t("reset.askAgain")}</Link>
  );
}

/** Opened from a reset mail, signed in or not: a new password for the link's account. */
export default function ResetPassword() {
  const { t } = useTranslation("auth");
  const [params] = useSearchParams();
  const token = tokenFrom(params);
  const reset = useResetPassword();
  const form = useApiForm();
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [done, setDone] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    if (!token) return;
    const mismatch = confirmProblem(password, again, t("fields.passwordsDiffer"));
    if (mismatch) {
      form.setError(mismatch);
      return;
    }
    const ok = await form.submit(async () => {
      await reset.mutateAsync({ token, password });
      return true;
    });
    if (!ok) return;
    // The API ended every session of the account: a session open here is one of them.
    if (sessionState().status === "signed-in") await logout().catch(() => undefined);
    setDone(true);
  }

  let body: ReactNode;
  if (!token) {
    body = (
      <div className="stack">
        <p className="notice notice-error" role="alert">
          {t("reset.incomplete")}
        </p>
        <p>
          <AskAgain />
        </p>
      </div>
    );
  } else if (done) {
    body = (
      <div className="stack">
        <p className="notice notice-ok" role="status" data-testid="reset-done">
          {t("reset.done")}
        </p>
        <p>
          <Link to="/login" className="btn btn-primary">
            {t("reset.login")}
          </Link>
        </p>
      </div>
    );
  } else if (isDeadLink(form.error)) {
    body = (
      <div className="stack">
        <p className="notice notice-error" role="alert" data-testid="link-invalid">
          {t("reset.invalid")}
        </p>
        <p>
          <AskAgain />
        </p>
      </div>
    );
  } else {
    body = (
      <form onSubmit={onSubmit} noValidate className="stack">
        <p className="muted">{t("reset.intro")}</p>
        {form.error ? <ErrorNotice error={form.error} /> : null}
        <TextField
          label={t("fields.newPassword")}
          type="password"
          name="password"
          autoComplete="new-password"
          required
          hint={t("fields.passwordHint")}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={form.fields.password}
        />
        <TextField
          label={t("fields.confirmPassword")}
          type="password"
          name="confirm"
          autoComplete="new-password"
          required
          value={again}
          onChange={(e) => setAgain(e.target.value)}
          error={form.fields.confirm}
        />
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {t("reset.submit")}
        </button>
      </form>
    );
  }

  return (
    <section className="narrow">
      <PageHeader title={t("reset.title")} />
      {body}
    </section>
  );
}
