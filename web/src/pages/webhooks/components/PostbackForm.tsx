import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";
import { useCreatePostback, useUpdatePostback } from "../../../api/hooks/promoterPostbacks";
import { SelectField, TextField } from "../../../components/Field";
import { useApiForm } from "../../../components/useApiForm";
import { type PostbackView, postbackChanges, unknownMacros } from "../lib/endpoints";
import { MacroHelp } from "./MacroHelp";
import { WebhookError } from "./WebhookError";

function UrlField({
  value,
  onChange,
  error,
}: {
  value: string;
  onChange: (v: string) => void;
  error: string | undefined;
}) {
  const { t } = useTranslation("webhooks");
  const unknown = unknownMacros(value);
  return (
    <>
      <TextField
        label={t("postbacks.form.url")}
        name="url"
        type="url"
        inputMode="url"
        dir="ltr"
        autoComplete="off"
        spellCheck={false}
        required
        maxLength={2048}
        hint={t("postbacks.form.urlHint")}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        error={error}
      />
      {unknown.length > 0 && (
        <p className="notice notice-warn" data-testid="unknown-macros">
          {t("macros.unknown", { list: unknown.join(" ") })}
        </p>
      )}
    </>
  );
}

function ReversalField({
  checked,
  onChange,
}: {
  checked: boolean;
  onChange: (v: boolean) => void;
}) {
  const { t } = useTranslation("webhooks");
  return (
    <label className="choice-item">
      <input
        type="checkbox"
        name="on_reversal"
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span>{t("postbacks.form.onReversal")}</span>
    </label>
  );
}

/**
 * A new postback: the URL template (with the macros as help), the offer (one the promoter
 * joined, or all), and whether reversals fire it too.
 */
export function CreatePostbackForm({
  offers,
  onCreated,
}: {
  /** The offers the promoter joined; undefined while they load. */
  offers: { id: number; name: string }[] | undefined;
  onCreated: (p: PostbackView) => void;
}) {
  const { t } = useTranslation("webhooks");
  const create = useCreatePostback();
  const form = useApiForm();
  const [url, setUrl] = useState("");
  const [offer, setOffer] = useState("");
  const [onReversal, setOnReversal] = useState(false);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const body: Schemas["CreatePostback"] = {
      url: url.trim(),
      offer_id: offer ? Number(offer) : null,
      on_reversal: onReversal,
    };
    const created = await form.submit(() => create.mutateAsync(body));
    if (created) {
      setUrl("");
      setOffer("");
      setOnReversal(false);
      onCreated(created);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="pb-create">
      <h2 id="pb-create" className="wh-card-title">
        {t("postbacks.form.createTitle")}
      </h2>
      {form.error ? <WebhookError error={form.error} /> : null}
      <UrlField value={url} onChange={setUrl} error={form.fields.url} />
      <MacroHelp />
      <SelectField
        label={t("postbacks.form.offer")}
        name="offer_id"
        value={offer}
        onChange={(e) => setOffer(e.target.value)}
        hint={
          offers && offers.length === 0
            ? t("postbacks.form.noOffers")
            : t("postbacks.form.offerHint")
        }
        error={form.fields.offer_id}
      >
        <option value="">{t("postbacks.allOffers")}</option>
        {(offers ?? []).map((o) => (
          <option key={o.id} value={o.id}>
            {t("postbacks.offerLabel", { id: o.id, name: o.name })}
          </option>
        ))}
      </SelectField>
      <ReversalField checked={onReversal} onChange={setOnReversal} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending ? t("form.creating") : t("postbacks.form.create")}
        </button>
      </div>
    </form>
  );
}

/** The edit form of a postback (in a dialog): its URL and reversals; sends only what changed. */
export function EditPostbackForm({
  postback,
  onSaved,
  onCancel,
}: {
  postback: PostbackView;
  onSaved: (changed: boolean) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("webhooks");
  const { t: tc } = useTranslation();
  const update = useUpdatePostback();
  const form = useApiForm();
  const [url, setUrl] = useState(postback.url);
  const [onReversal, setOnReversal] = useState(postback.on_reversal);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const body = postbackChanges(postback, { url, onReversal });
    if (!body) {
      onSaved(false);
      return;
    }
    const saved = await form.submit(() => update.mutateAsync({ id: postback.id, body }));
    if (saved) onSaved(true);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="stack">
      {form.error ? <WebhookError error={form.error} /> : null}
      <UrlField value={url} onChange={setUrl} error={form.fields.url} />
      <ReversalField checked={onReversal} onChange={setOnReversal} />
      <p className="muted wh-flush">{t("postbacks.form.offerFixed")}</p>
      <div className="row wh-dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {tc("actions.cancel")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending ? tc("state.saving") : t("form.save")}
        </button>
      </div>
    </form>
  );
}
