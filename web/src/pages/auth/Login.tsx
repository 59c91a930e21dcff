import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router";
import { homeOf } from "../../app/nav";
import { login } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { useApiForm } from "../../components/useApiForm";

/** Only same-site paths are followed after login (no open redirect). */
export function safeNext(next: string | null): string | null {
  return next?.startsWith("/") && !next.startsWith("//") ? next : null;
}

export default function Login() {
  const { t } = useTranslation("auth");
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const form = useApiForm();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const user = await form.submit(() => login(email, password));
    if (user) navigate(safeNext(params.get("next")) ?? homeOf[user.role], { replace: true });
  }

  return (
    <section className="narrow">
      <PageHeader title={t("login.title")} />
      <form onSubmit={onSubmit} noValidate className="stack">
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
        <TextField
          label={t("fields.password")}
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={form.fields.password}
        />
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {t("login.submit")}
        </button>
      </form>
      <p>
        <Link to="/forgot-password">{t("login.forgot")}</Link>
      </p>
      <p>
        {t("login.noAccount")} <Link to="/signup">{t("login.signup")}</Link>
      </p>
    </section>
  );
}
