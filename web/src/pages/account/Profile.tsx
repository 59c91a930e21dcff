import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import type { Schemas } from "../../api/client";
import { useChangePassword, useUpdateMe } from "../../api/hooks/account";
import { useMe } from "../../api/hooks/me";
import { logoutEverywhere } from "../../auth/session";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { useApiForm } from "../../components/useApiForm";
import { currentLanguage } from "../../i18n";
import { formatDate } from "../../lib/format";
import { confirmProblem } from "../auth/mailFlows";
import { ResendVerification } from "./components/ResendVerification";
import "./account.css";

type User = Schemas["UserView"];

/** The name others see and, for an advertiser, the company's name. */
function DetailsForm({ user }: { user: User }) {
  const { t } = useTranslation("auth");
  const update = useUpdateMe();
  const form = useApiForm();
  const advertiser = user.role === "advertiser";
  const [displayName, setDisplayName] = useState(user.display_name);
  const [company, setCompany] = useState(user.advertiser?.name ?? "");
  const [saved, setSaved] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const me = await form.submit(() =>
      update.mutateAsync({
        display_name: displayName,
        ...(advertiser ? { company_name: company } : {}),
      }),
    );
    if (me) setSaved(true);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="details-title">
      <h2 id="details-title" className="card-title">
        {t("profile.detailsTitle")}
      </h2>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <TextField
        label={t("fields.displayName")}
        name="display_name"
        autoComplete="name"
        required
        maxLength={100}
        value={displayName}
        onChange={(e) => {
          setSaved(false);
          setDisplayName(e.target.value);
        }}
        error={form.fields.display_name}
      />
      {advertiser && (
        <TextField
          label={t("fields.companyName")}
          name="company_name"
          autoComplete="organization"
          required
          maxLength={200}
          hint={t("profile.companyHint")}
          value={company}
          onChange={(e) => {
            setSaved(false);
            setCompany(e.target.value);
          }}
          error={form.fields.company_name}
        />
      )}
      {saved && (
        <p className="notice notice-ok" role="status" data-testid="details-saved">
          {t("profile.saved")}
        </p>
      )}
      <div>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {t("profile.save")}
        </button>
      </div>
    </form>
  );
}

/** The current password, then the new one twice. */
function PasswordForm() {
  const { t } = useTranslation("auth");
  const change = useChangePassword();
  const form = useApiForm();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [changed, setChanged] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setChanged(false);
    const mismatch = confirmProblem(next, again, t("fields.passwordsDiffer"));
    if (mismatch) {
      form.setError(mismatch);
      return;
    }
    const ok = await form.submit(async () => {
      await change.mutateAsync({ current_password: current, new_password: next });
      return true;
    });
    if (!ok) return;
    setCurrent("");
    setNext("");
    setAgain("");
    // The API ended the account's other sessions and kept this one (the refresh cookie's).
    setChanged(true);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="password-title">
      <h2 id="password-title" className="card-title">
        {t("profile.passwordTitle")}
      </h2>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <TextField
        label={t("fields.currentPassword")}
        type="password"
        name="current_password"
        autoComplete="current-password"
        required
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={form.fields.current_password}
      />
      <TextField
        label={t("fields.newPassword")}
        type="password"
        name="new_password"
        autoComplete="new-password"
        required
        hint={t("fields.passwordHint")}
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={form.fields.new_password}
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
      {changed && (
        <p className="notice notice-ok" role="status" data-testid="password-changed">
          {t("profile.passwordChanged")}
        </p>
      )}
      <div>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {t("profile.changePassword")}
        </button>
      </div>
    </form>
  );
}

export default function Profile() {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const lang = currentLanguage();
  return (
    <section>
      <PageHeader title={t("profile.title")} />
      <QueryState query={me}>
        {({ user }) => (
          <div className="stack">
            <dl className="card details">
              <dt>{t("fields.displayName")}</dt>
              <dd data-testid="display-name" dir="auto">
                {user.display_name}
              </dd>
              <dt>{t("fields.email")}</dt>
              <dd>
                <span dir="ltr">{user.email}</span>{" "}
                <span
                  className={user.email_verified ? "badge badge-ok" : "badge badge-warn"}
                  data-testid="email-verified"
                >
                  {user.email_verified ? t("profile.emailVerified") : t("profile.emailUnverified")}
                </span>
              </dd>
              <dt>{t("profile.role")}</dt>
              <dd>{tc(`roles.${user.role}`)}</dd>
              {user.advertiser && (
                <>
                  <dt>{t("fields.companyName")}</dt>
                  <dd>{user.advertiser.name}</dd>
                </>
              )}
              <dt>{t("profile.memberSince")}</dt>
              <dd>{formatDate(user.created_at, lang)}</dd>
            </dl>
            {!user.email_verified && (
              <div className="card stack">
                <p>{t("profile.unverifiedHint")}</p>
                <ResendVerification email={user.email} />
              </div>
            )}
            <DetailsForm key={user.id} user={user} />
            <PasswordForm />
            <div className="card stack">
              <p className="muted">{t("profile.logoutEverywhereHint")}</p>
              <div>
                <button
                  type="button"
                  className="btn btn-danger"
                  onClick={async () => {
                    await logoutEverywhere();
                    navigate("/login");
                  }}
                >
                  {t("profile.logoutEverywhere")}
                </button>
              </div>
            </div>
          </div>
        )}
      </QueryState>
    </section>
  );
}
