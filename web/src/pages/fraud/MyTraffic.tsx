// A promoter's own traffic quality (its navigation's "Traffic quality"): its insight, by the
// id of the signed-in user (a promoter's id is its user id).
import { useTranslation } from "react-i18next";
import { useUser } from "../../auth/useSession";
import { PageHeader } from "../../components/PageHeader";
import { PromoterInsightPage } from "./PromoterInsight";

export default function MyTraffic() {
  const { t } = useTranslation("fraud");
  const user = useUser();
  if (user.role !== "promoter") {
    return (
      <section>
        <PageHeader title={t("mine.title")} />
        <p className="muted">{t("mine.notPromoter")}</p>
      </section>
    );
  }
  return <PromoterInsightPage id={user.id} own />;
}
