import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { useMe } from "../../api/hooks/me";
import { logoutEverywhere } from "../../auth/session";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { currentLanguage } from "../../i18n";
import { formatDate } from "../../lib/format";

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
            <dl className="card">
              <dt>{t("fields.displayName")}</dt>
              <dd data-testid="display-name">{user.display_name}</dd>
              <dt>{t("fields.email")}</dt>
              <dd>{user.email}</dd>
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
