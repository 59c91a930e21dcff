import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router";
import type { Schemas } from "../../api/client";
import { useCreateOffer, useOffer, useUpdateOffer } from "../../api/hooks/offers";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextArea, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { useApiForm } from "../../components/useApiForm";
import { CountryPicker } from "./components/CountryPicker";
import { UrlPreview } from "./components/UrlPreview";
import { listErrors } from "./lib/countries";
import {
  emptyOfferForm,
  type OfferForm as FormState,
  FRAUD_POLICIES,
  formToBody,
  isFixed,
  MAX_MIN_CTIT_SECONDS,
  offerToForm,
  PAYOUT_MODELS,
  reviewedChanges,
} from "./lib/offerForm";
import "./advertiser.css";

type OfferView = Schemas["OfferView"];

const MACROS = "{click_id} {offer_id} {promoter_id} {sub1}…{sub5} {country} {ts}";
const CURRENCIES = "USD EUR GBP SAR AED KWD BHD QAR OMR EGP JOD MAD TRY INR".split(" ");
const CATEGORIES = "shopping finance gaming travel health education mobile-apps dating".split(" ");

/** The API fields this form shows next to an input; any other field error is listed on top. */
const SHOWN = new Set([
  "name",
  "description",
  "category",
  "url_template",
  "fallback_url",
  "preview_url",
  "payout_model",
  "payout_amount",
  "payout_percent",
  "currency",
  "attribution_window_hours",
  "daily_cap",
  "total_cap",
  "hold_conversions",
  "review_browser",
  "min_ctit_seconds",
  "fraud_policy",
]);

function isShown(field: string): boolean {
  return SHOWN.has(field) || /^geo_(allow|deny)(\[\d+\])?$/.test(field);
}

function Editor({ offer }: { offer?: OfferView }) {
  const { t } = useTranslation("advertiser");
  const navigate = useNavigate();
  const form = useApiForm();
  const create = useCreateOffer();
  const update = useUpdateOffer(offer?.id ?? 0);
  const [f, setForm] = useState<FormState>(() => (offer ? offerToForm(offer) : emptyOfferForm()));
  const [sent, setSent] = useState<FormState>(f);
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) =>
    setForm((old) => ({ ...old, [key]: value }));

  const live = offer && (offer.status === "approved" || offer.status === "paused");
  const changes = live ? reviewedChanges(offer, formToBody(f)) : [];
  const fixed = isFixed(f.payout_model);
  const others = Object.entries(form.fields).filter(([k]) => !isShown(k));

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setSent(f);
    const body = formToBody(f);
    const saved = await form.submit(() =>
      offer ? update.mutateAsync(body) : create.mutateAsync(body),
    );
    if (saved) {
      navigate(`/offers/${saved.id}`, {
        state: { notice: offer ? null : t("form.createdHint") },
      });
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="stack" data-testid="offer-form">
      {form.error ? <ErrorNotice error={form.error} /> : null}
      {others.length > 0 && (
        <ul className="field-error">
          {others.map(([k, m]) => (
            <li key={k}>{k ? `${k}: ${m}` : m}</li>
          ))}
        </ul>
      )}

      <fieldset className="stack">
        <legend>{t("form.sections.about")}</legend>
        <TextField
          label={t("form.name")}
          name="name"
          required
          maxLength={200}
          value={f.name}
          onChange={(e) => set("name", e.target.value)}
          error={form.fields.name}
        />
        <TextArea
          label={t("form.description")}
          name="description"
          hint={t("form.descriptionHint")}
          maxLength={5000}
          value={f.description}
          onChange={(e) => set("description", e.target.value)}
          error={form.fields.description}
        />
        <TextField
          label={t("form.category")}
          name="category"
          required
          hint={t("form.categoryHint")}
          list="offer-categories"
          autoCapitalize="none"
          spellCheck={false}
          value={f.category}
          onChange={(e) => set("category", e.target.value)}
          error={form.fields.category}
        />
        <datalist id="offer-categories">
          {CATEGORIES.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      </fieldset>

      <fieldset className="stack">
        <legend>{t("form.sections.destination")}</legend>
        <p className="hint">
          {t("form.macros")} <bdi dir="ltr">{MACROS}</bdi>
        </p>
        <TextField
          label={t("form.urlTemplate")}
          name="url_template"
          type="url"
          inputMode="url"
          dir="ltr"
          required
          spellCheck={false}
          autoCapitalize="none"
          hint={t("form.urlTemplateHint")}
          value={f.url_template}
          onChange={(e) => set("url_template", e.target.value)}
          error={form.fields.url_template}
        />
        <UrlPreview
          template={f.url_template}
          offerId={offer?.id}
          label={t("form.preview")}
          testId="url-preview"
        />
        <TextField
          label={t("form.fallbackUrl")}
          name="fallback_url"
          type="url"
          inputMode="url"
          dir="ltr"
          spellCheck={false}
          autoCapitalize="none"
          hint={t("form.fallbackUrlHint")}
          value={f.fallback_url}
          onChange={(e) => set("fallback_url", e.target.value)}
          error={form.fields.fallback_url}
        />
        {f.fallback_url.trim() && (
          <UrlPreview
            template={f.fallback_url}
            offerId={offer?.id}
            label={t("form.previewFallback")}
            testId="fallback-preview"
          />
        )}
        <TextField
          label={t("form.previewUrl")}
          name="preview_url"
          type="url"
          inputMode="url"
          dir="ltr"
          spellCheck={false}
          autoCapitalize="none"
          hint={t("form.previewUrlHint")}
          value={f.preview_url}
          onChange={(e) => set("preview_url", e.target.value)}
          error={form.fields.preview_url}
        />
      </fieldset>

      <fieldset className="stack">
        <legend>{t("form.sections.payout")}</legend>
        <fieldset
          className={form.fields.payout_model ? "field-invalid" : undefined}
          aria-describedby={form.fields.payout_model ? "payout-model-error" : undefined}
        >
          <legend>{t("form.payoutModel")}</legend>
          {PAYOUT_MODELS.map((m) => (
            <label key={m} className="choice-item">
              <input
                type="radio"
                name="payout_model"
                value={m}
                checked={f.payout_model === m}
                onChange={() => set("payout_model", m)}
              />
              <span>{t(`payoutModel.${m}`)}</span>
            </label>
          ))}
          {form.fields.payout_model && (
            <small id="payout-model-error" className="field-error" role="alert">
              {form.fields.payout_model}
            </small>
          )}
        </fieldset>
        {fixed ? (
          <TextField
            label={t("form.payoutAmount")}
            name="payout_amount"
            inputMode="decimal"
            dir="ltr"
            required
            hint={t("form.payoutAmountHint")}
            value={f.payout_amount}
            onChange={(e) => set("payout_amount", e.target.value)}
            error={form.fields.payout_amount}
          />
        ) : (
          <TextField
            label={t("form.payoutPercent")}
            name="payout_percent"
            inputMode="decimal"
            dir="ltr"
            required
            hint={t("form.payoutPercentHint")}
            value={f.payout_percent}
            onChange={(e) => set("payout_percent", e.target.value)}
            error={form.fields.payout_percent}
          />
        )}
        {/* The other figure's error (the API names it when a model does not take it). */}
        {fixed && form.fields.payout_percent && (
          <p className="field-error" role="alert">
            {`${t("form.payoutPercent")}: ${form.fields.payout_percent}`}
          </p>
        )}
        {!fixed && form.fields.payout_amount && (
          <p className="field-error" role="alert">
            {`${t("form.payoutAmount")}: ${form.fields.payout_amount}`}
          </p>
        )}
        <TextField
          label={t("form.currency")}
          name="currency"
          required
          list="offer-currencies"
          maxLength={3}
          dir="ltr"
          autoCapitalize="characters"
          spellCheck={false}
          hint={t("form.currencyHint")}
          value={f.currency}
          onChange={(e) => set("currency", e.target.value.toUpperCase())}
          error={form.fields.currency}
        />
        <datalist id="offer-currencies">
          {CURRENCIES.map((c) => (
            <option key={c} value={c} />
          ))}
        </datalist>
      </fieldset>

      <fieldset className="stack">
        <legend>{t("form.sections.limits")}</legend>
        <TextField
          label={t("form.window")}
          name="attribution_window_hours"
          type="number"
          inputMode="numeric"
          min={1}
          max={8760}
          step={1}
          hint={t("form.windowHint")}
          value={f.attribution_window_hours}
          onChange={(e) => set("attribution_window_hours", e.target.value)}
          error={form.fields.attribution_window_hours}
        />
        <TextField
          label={t("form.dailyCap")}
          name="daily_cap"
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          hint={t("form.capHint")}
          value={f.daily_cap}
          onChange={(e) => set("daily_cap", e.target.value)}
          error={form.fields.daily_cap}
        />
        <TextField
          label={t("form.totalCap")}
          name="total_cap"
          type="number"
          inputMode="numeric"
          min={1}
          step={1}
          hint={t("form.capHint")}
          value={f.total_cap}
          onChange={(e) => set("total_cap", e.target.value)}
          error={form.fields.total_cap}
        />
      </fieldset>

      <fieldset className="stack">
        <legend>{t("form.sections.geo")}</legend>
        <CountryPicker
          label={t("form.geoAllow")}
          hint={t("form.geoAllowHint")}
          name="geo_allow"
          value={f.geo_allow}
          onChange={(v) => set("geo_allow", v)}
          errors={listErrors(form.fields, "geo_allow", sent.geo_allow)}
        />
        <CountryPicker
          label={t("form.geoDeny")}
          hint={t("form.geoDenyHint")}
          name="geo_deny"
          value={f.geo_deny}
          onChange={(v) => set("geo_deny", v)}
          errors={listErrors(form.fields, "geo_deny", sent.geo_deny)}
        />
      </fieldset>

      <fieldset>
        <legend>{t("form.sections.review")}</legend>
        <label className="choice-item">
          <input
            type="checkbox"
            name="hold_conversions"
            checked={f.hold_conversions}
            onChange={(e) => set("hold_conversions", e.target.checked)}
            aria-describedby="hold-hint"
          />
          <span>{t("form.hold")}</span>
        </label>
        <small id="hold-hint" className="hint">
          {t("form.holdHint")}
        </small>
        {form.fields.hold_conversions && (
          <p className="field-error" role="alert">
            {form.fields.hold_conversions}
          </p>
        )}
        <label className="choice-item">
          <input
            type="checkbox"
            name="review_browser"
            checked={f.review_browser}
            onChange={(e) => set("review_browser", e.target.checked)}
            aria-describedby="review-browser-hint"
          />
          <span>{t("form.reviewBrowser")}</span>
        </label>
        <small id="review-browser-hint" className="hint">
          {t("form.reviewBrowserHint")}
        </small>
        {form.fields.review_browser && (
          <p className="field-error" role="alert">
            {form.fields.review_browser}
          </p>
        )}
      </fieldset>

      <fieldset className="stack" data-testid="fraud-settings">
        <legend>{t("form.sections.fraud")}</legend>
        <TextField
          label={t("form.minCtit")}
          name="min_ctit_seconds"
          type="number"
          inputMode="numeric"
          min={0}
          max={MAX_MIN_CTIT_SECONDS}
          step={1}
          hint={t("form.minCtitHint", { max: MAX_MIN_CTIT_SECONDS })}
          value={f.min_ctit_seconds}
          onChange={(e) => set("min_ctit_seconds", e.target.value)}
          error={form.fields.min_ctit_seconds}
        />
        <fieldset
          className={form.fields.fraud_policy ? "field-invalid" : undefined}
          aria-describedby={
            form.fields.fraud_policy ? "fraud-policy-hint fraud-policy-error" : "fraud-policy-hint"
          }
        >
          <legend>{t("form.fraudPolicy")}</legend>
          {FRAUD_POLICIES.map((p) => (
            <label key={p} className="choice-item">
              <input
                type="radio"
                name="fraud_policy"
                value={p}
                checked={f.fraud_policy === p}
                onChange={() => set("fraud_policy", p)}
              />
              <span>{t(`fraudPolicy.${p}`)}</span>
            </label>
          ))}
          <small id="fraud-policy-hint" className="hint">
            {t("form.fraudPolicyHint")}
          </small>
          {form.fields.fraud_policy && (
            <small id="fraud-policy-error" className="field-error" role="alert">
              {form.fields.fraud_policy}
            </small>
          )}
        </fieldset>
      </fieldset>

      {changes.length > 0 && (
        <p className="notice notice-warn" role="status" data-testid="review-warning">
          {t("form.reviewWarning", {
            fields: changes.map((c) => t(`form.reviewedField.${c}`)).join(", "),
          })}
        </p>
      )}

      <div className="page-actions">
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending
            ? t("state.saving", { ns: "common" })
            : offer
              ? t("form.save")
              : t("form.create")}
        </button>
        <Link to={offer ? `/offers/${offer.id}` : "/offers"} className="btn">
          {t("form.cancel")}
        </Link>
      </div>
    </form>
  );
}

function EditOffer({ id }: { id: number }) {
  const { t } = useTranslation("advertiser");
  const offer = useOffer(id);
  return (
    <QueryState query={offer}>
      {(o) => (
        <>
          <PageHeader title={t("form.editTitle", { name: o.name })} />
          {o.status === "pending_review" || o.status === "archived" ? (
            <div className="stack">
              <p className="notice notice-warn">{t("form.notEditable")}</p>
              <p>
                <Link to={`/offers/${o.id}`}>{o.name}</Link>
              </p>
            </div>
          ) : (
            <Editor offer={o} />
          )}
        </>
      )}
    </QueryState>
  );
}

/** `/offers/new` and `/offers/:id/edit`. */
export default function OfferForm() {
  const { t } = useTranslation("advertiser");
  const { t: tc } = useTranslation();
  const { id } = useParams();
  if (id === undefined) {
    return (
      <section className="adv-root">
        <PageHeader title={t("form.newTitle")} />
        <Editor />
      </section>
    );
  }
  if (!/^\d+$/.test(id)) return <p className="notice notice-error">{tc("errors.notFound")}</p>;
  return (
    <section className="adv-root">
      <EditOffer key={id} id={Number(id)} />
    </section>
  );
}
