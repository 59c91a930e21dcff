import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";
import { currentLanguage } from "../../../i18n";
import { formatDateTime, formatNumber } from "../../../lib/format";
import { countryNames, payoutText } from "../offerDisplay";

/** Everything an admin needs to judge an offer: who, what it pays, where it sends, to whom. */
export function OfferDetails({ offer }: { offer: Schemas["OfferView"] }) {
  const { t } = useTranslation("admin");
  const lang = currentLanguage();
  const payout = payoutText(offer, lang);
  const cap = (n: number | null | undefined) =>
    n == null ? t("offer.noCap") : formatNumber(n, lang);
  return (
    <>
      <dl className="details">
        <dt>{t("offer.advertiser")}</dt>
        <dd data-testid="offer-advertiser">
          {t("offer.advertiserId", { id: offer.advertiser_id })}
        </dd>
        <dt>{t("offer.payout")}</dt>
        <dd data-testid="offer-payout">
          {t(`payoutModels.${offer.payout_model}`)}
          {payout ? ` · ${payout}` : ""}
        </dd>
        <dt>{t("offer.currency")}</dt>
        <dd>{offer.currency}</dd>
        <dt>{t("offer.urlTemplate")}</dt>
        <dd>
          <code className="break" dir="ltr" data-testid="offer-url">
            {offer.url_template}
          </code>
        </dd>
        {offer.fallback_url && (
          <>
            <dt>{t("offer.fallbackUrl")}</dt>
            <dd>
              <code className="break" dir="ltr">
                {offer.fallback_url}
              </code>
            </dd>
          </>
        )}
        {offer.preview_url && (
          <>
            <dt>{t("offer.previewUrl")}</dt>
            <dd>
              <a
                className="break"
                dir="ltr"
                href={offer.preview_url}
                target="_blank"
                rel="noopener noreferrer"
              >
                {offer.preview_url}
              </a>
            </dd>
          </>
        )}
        <dt>{t("offer.category")}</dt>
        <dd>
          <code>{offer.category}</code>
        </dd>
        <dt>{t("offer.geoAllow")}</dt>
        <dd data-testid="offer-geo">
          {offer.geo_allow.length === 0
            ? t("offer.allCountries")
            : countryNames(offer.geo_allow, lang).join(t("offer.listSeparator"))}
        </dd>
        {offer.geo_deny.length > 0 && (
          <>
            <dt>{t("offer.geoDeny")}</dt>
            <dd>{countryNames(offer.geo_deny, lang).join(t("offer.listSeparator"))}</dd>
          </>
        )}
        <dt>{t("offer.window")}</dt>
        <dd>{t("offer.hours", { hours: formatNumber(offer.attribution_window_hours, lang) })}</dd>
        <dt>{t("offer.dailyCap")}</dt>
        <dd>{cap(offer.daily_cap)}</dd>
        <dt>{t("offer.totalCap")}</dt>
        <dd>{cap(offer.total_cap)}</dd>
        <dt>{t("offer.hold")}</dt>
        <dd>{offer.hold_conversions ? t("offer.yes") : t("offer.no")}</dd>
        <dt>{t("offer.reviewBrowser")}</dt>
        <dd data-testid="offer-review-browser">
          {offer.review_browser ? t("offer.yes") : t("offer.no")}
        </dd>
        <dt>{t("offer.submitted")}</dt>
        <dd>{formatDateTime(offer.updated_at, lang)}</dd>
      </dl>
      {offer.description && (
        <div>
          <h3 className="details-heading">{t("offer.description")}</h3>
          <p className="pre-wrap" dir="auto">
            {offer.description}
          </p>
        </div>
      )}
    </>
  );
}
