// An offer's traffic: its advertiser's and admins' view of every promoter on it, or a
// promoter's own traffic on it against the offer's other promoters together.
import { useTranslation } from "react-i18next";
import { useParams, useSearchParams } from "react-router";
import { useOfferInsight } from "../../api/hooks/fraud";
import { useUser } from "../../auth/useSession";
import { positiveId } from "../../lib/ids";
import { NotFound } from "../NotFound";
import { InsightPage } from "./InsightPage";
import { useRange } from "./lib/useRange";

function OfferInsightPage({ id }: { id: number }) {
  const { t } = useTranslation("fraud");
  const user = useUser();
  const [params] = useSearchParams();
  const range = useRange(params);
  const insight = useOfferInsight(id, { from: range.from, to: range.to });
  const intro =
    user.role === "promoter"
      ? t("offer.introPromoter")
      : user.role === "advertiser"
        ? t("offer.introAdvertiser")
        : t("offer.introAdmin");
  return (
    <InsightPage
      title={t("offer.title", { id })}
      intro={intro}
      kind="offer"
      range={range}
      query={insight}
    />
  );
}

export default function OfferInsight() {
  const { id } = useParams();
  const offerId = positiveId(id);
  if (offerId === null) return <NotFound />;
  return <OfferInsightPage key={offerId} id={offerId} />;
}
