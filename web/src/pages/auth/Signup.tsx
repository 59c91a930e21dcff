import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { homeOf } from "../../app/nav";
import { register } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { useApiForm } from "../../components/useApiForm";

export default function Signup() {
  const { t } = useTranslation("auth");
  const navigate = useNavigate();
  const form = useApiForm();
  const [role, setRole] = useState<"promoter" | "advertiser">("promoter");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [company, setCompany] = useState("");

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const user = await form.submit(() =>
      register({
        role,
        email,
        password,
        display_name: displayName,
        ...(role === "advertiser" ? { company_name: company } : {}),
      }),
    );
    if (user) navigate(homeOf[user.role], { replace: true });
  }

  return (
    <section className="narrow">
      <PageHeader title={t("signup.title")} />
      <form onSubmit={onSubmit} noValidate className="stack">
        {form.error ? <ErrorNotice error={form.error} /> : null}
        <fieldset className="choice">
          <legend>{t("signup.role")}</legend>
          {(["promoter", "advertiser"] as const).map((r) => (
            <label key={r} className="choice-item">
              <input
                type="radio"
                name="role"
                value={r}
                checked={role === r}
                onChange={() => setRole(r)}
              />
              <span>{t(`signup.${r}`)}</span>
            </label>
          ))}
        </fieldset>
        <TextField
          label={t("fields.displayName")}
          name="display_name"
          autoComplete="name"
          required
          value={displayName}
          onChange={(e) => setDisplayName(e.target.value)}
          error={form.fields.display_name}
        />
        {role === "advertiser" && (
          <TextField
            label={t("fields.companyName")}
            name="company_name"
            autoComplete="organization"
            required
            value={company}
            onChange={(e) => setCompany(e.target.value)}
            error={form.fields.company_name}
          />
        )}
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
          autoComplete="new-password"
          required
          hint={t("fields.passwordHint")}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={form.fields.password}
        />
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {t("signup.submit")}
        </button>
      </form>
      <p>
        {t("signup.haveAccount")} <Link to="/login">{t("signup.login")}</Link>
      </p>
    </section>
  );
}
