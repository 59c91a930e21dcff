import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useForgotPassword } from "../../api/hooks/account";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { useApiForm } from "../../components/useApiForm";

export default function ForgotPassword() {
  const { t } = useTranslation("auth");
  const forgot = useForgotPassword();
  const form = useApiForm();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const address = email.trim();
    const sent = await form.submit(async () => {
      await forgot.mutateAsync(address);
      return true;
    });
    if (sent) setSentTo(address);
  }

  return (
    <section className="narrow">
      <PageHeader title={t("forgot.title")} />
      {sentTo !== null ? (
        <div className="stack">
          <p className="notice notice-ok" role="status" data-testid="forgot-sent">
            {t("forgot.sent", { email: sentTo })}
          </p>
          <p className="muted">{t("forgot.spam")}</p>
          <p>
            <Link to="/login">{t("forgot.back")}</Link>
          </p>
        </div>
      ) : (
        <>
          <form onSubmit={onSubmit} noValidate className="stack">
            <p className="muted">{t("forgot.intro")}</p>
            {form.error ? <ErrorNotice error={form.error} /> : null}
            <TextField
              label={t("fields.email")}
              type="email"
              name="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              error={form.fields.email}
            />
            <button type="submit" className="btn btn-primary" disabled={form.pending}>
              {t("forgot.submit")}
            </button>
          </form>
          <p>
            <Link to="/login">{t("forgot.back")}</Link>
          </p>
        </>
      )}
    </section>
  );
}
