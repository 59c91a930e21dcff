import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { PageHeader } from "../components/PageHeader";

export function NotFound() {
  const { t } = useTranslation();
  return (
    <section>
      <PageHeader title={t("notFound.title")} />
      <p>{t("errors.notFound")}</p>
      <Link to="/">{t("notFound.back")}</Link>
    </section>
  );
}
