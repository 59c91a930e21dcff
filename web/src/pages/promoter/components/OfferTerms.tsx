import type { TFunction } from "i18next";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";
import { currentLanguage } from "../../../i18n";
import { formatNumber } from "../../../lib/format";
import { countryList, formatPayout, formatWindow, payoutOf } from "../display";

type Offer = Schemas["MarketOffer"];

/** The offer's payout: the amount in its currency, or the percentage of the sale. */
export function PayoutText({ offer }: { offer: Offer }) {
  const { t } = useTranslation("promoter");
  const payout = payoutOf(offer);
  const text = formatPayout(payout, currentLanguage());
  if (text === undefined) return <span className="muted">{t("offer.payoutNone")}</span>;
  return (
    <span className="payout" data-testid="payout">
      {payout.kind === "percent" ? t("offer.payoutPercent", { percent: text }) : text}
    </span>
  );
}

/** Country codes as names, at most `max` of them and "and n more". */
function countriesText(codes: string[], max: number | undefined, t: TFunction): string {
  const lang = currentLanguage();
  if (max === undefined || codes.length <= max) return countryList(codes, lang);
  return t("offer.moreCountries", {
    list: countryList(codes.slice(0, max), lang, false),
    more: formatNumber(codes.length - max, lang),
  });
}

/**
 * An offer's terms as a description list: payout, model, category, countries, attribution
 * window. `maxCountries` shortens long country lists (cards).
 */
export function OfferTerms({ offer, maxCountries }: { offer: Offer; maxCountries?: number }) {
  const { t } = useTranslation("promoter");
  const lang = currentLanguage();
  const allow = offer.geo_allow;
  const deny = offer.geo_deny;
  return (
    <dl className="terms">
      <div>
        <dt>{t("offer.payout")}</dt>
        <dd>
          <PayoutText offer={offer} />
        </dd>
      </div>
      <div>
        <dt>{t("offer.model")}</dt>
        <dd>{t(`models.${offer.payout_model}`)}</dd>
      </div>
      <div>
        <dt>{t("offer.category")}</dt>
        <dd>{offer.category}</dd>
      </div>
      <div>
        <dt>{t("offer.countries")}</dt>
        <dd>
          {allow.length === 0 && deny.length === 0 && t("offer.allCountries")}
          {allow.length > 0 && (
            <span className="terms-line">
              {t("offer.onlyCountries", { list: countriesText(allow, maxCountries, t) })}
            </span>
          )}
          {deny.length > 0 && (
            <span className="terms-line">
              {t("offer.exceptCountries", { list: countriesText(deny, maxCountries, t) })}
            </span>
          )}
        </dd>
      </div>
      <div>
        <dt>{t("offer.window")}</dt>
        <dd>
          {t("offer.windowValue", { window: formatWindow(offer.attribution_window_hours, lang) })}
        </dd>
      </div>
    </dl>
  );
}
