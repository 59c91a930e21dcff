import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Schemas } from "../../../api/client";
import { OfferTerms } from "./OfferTerms";

/** An approved offer in the marketplace's list, linking to its detail. */
export function OfferCard({ offer }: { offer: Schemas["MarketOffer"] }) {
  const { t } = useTranslation("promoter");
  const heading = useId();
  return (
    <article className="card offer-card" aria-labelledby={heading} data-testid="offer-card">
      <h2 id={heading} className="offer-name">
        <Link to={`/marketplace/${offer.id}`}>{offer.name}</Link>
      </h2>
      <OfferTerms offer={offer} maxCountries={3} />
      <Link
        className="btn btn-small offer-more"
        to={`/marketplace/${offer.id}`}
        aria-label={t("marketplace.detailsOf", { name: offer.name })}
      >
        {t("marketplace.details")}
      </Link>
    </article>
  );
}
