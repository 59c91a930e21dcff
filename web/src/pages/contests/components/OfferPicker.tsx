// The offers a contest counts: an advertiser picks from its own (at least one); an admin may
// pick any, or none for every offer. The first 200 offers are offered (by id).
import { useId } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useOfferNames } from "../../../api/hooks/offers";
import { ErrorNotice } from "../../../components/ErrorNotice";
import { toggleOffer } from "../lib/form";

export function OfferPicker({
  chosen,
  onChange,
  required,
  error,
}: {
  chosen: number[];
  onChange: (ids: number[]) => void;
  /** An advertiser's contest needs offers; an admin's counts every offer without. */
  required: boolean;
  error: string | undefined;
}) {
  const { t } = useTranslation("contests");
  const id = useId();
  const offers = useOfferNames(true);
  const list = offers.data ?? [];
  // Offers named by a draft that are not in the list (beyond the first 200) stay chosen.
  const unknown = chosen.filter((o) => !list.some((x) => x.id === o));
  return (
    <fieldset
      className={`contest-offer-picker${error ? " field-invalid" : ""}`}
      aria-describedby={error ? `${id}-hint ${id}-error` : `${id}-hint`}
      data-testid="offer-picker"
    >
      <legend>{t("form.offers")}</legend>
      <small id={`${id}-hint`} className="hint">
        {required ? t("form.offersHintAdvertiser") : t("form.offersHintAdmin")}
      </small>
      {offers.error ? (
        <ErrorNotice error={offers.error} onRetry={() => void offers.refetch()} />
      ) : offers.isPending ? (
        <p className="muted" aria-busy="true">
          {t("state.loading", { ns: "common" })}
        </p>
      ) : list.length === 0 ? (
        <p className="muted contest-flush">
          {t("form.noOffers")} {required && <Link to="/offers/new">{t("form.newOffer")}</Link>}
        </p>
      ) : (
        <div className="contest-offer-list">
          {[
            ...list.map((o) => ({ id: o.id, name: o.name })),
            ...unknown.map((o) => ({ id: o, name: "" })),
          ].map((o) => (
            <label key={o.id} className="choice-item">
              <input
                type="checkbox"
                name="offer_ids"
                value={o.id}
                checked={chosen.includes(o.id)}
                onChange={(e) => onChange(toggleOffer(chosen, o.id, e.target.checked))}
              />
              <span dir="auto">{o.name || t("facts.offer", { id: o.id })}</span>
            </label>
          ))}
        </div>
      )}
      {error && (
        <small id={`${id}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  );
}
