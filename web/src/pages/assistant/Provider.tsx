// The chat's provider (bring your own key): an OpenAI-compatible API's base URL, the model
// and the user's API key. The key is typed in a password field and never comes back: the
// stored provider shows its last 4 characters, as the API answers. Replace (the form again,
// the key asked anew) and delete (after a confirmation).
import { type FormEvent, useId, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import {
  type Provider,
  useDeleteProvider,
  useProvider,
  useSaveProvider,
} from "../../api/hooks/assistant";
import { ConfirmForm } from "../../components/ConfirmForm";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { useApiForm } from "../../components/useApiForm";
import { currentLanguage } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import { Sections } from "./components/Sections";
import "../account/account.css";
import "./assistant.css";

function ProviderForm({
  stored,
  onSaved,
  onCancel,
}: {
  stored: Provider | null;
  onSaved: () => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation("assistant");
  const save = useSaveProvider();
  const form = useApiForm();
  const id = useId();
  const [baseUrl, setBaseUrl] = useState(stored?.base_url ?? "");
  const [model, setModel] = useState(stored?.model ?? "");
  const [apiKey, setApiKey] = useState("");

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const saved = await form.submit(() =>
      save.mutateAsync({ base_url: baseUrl, model, api_key: apiKey }),
    );
    // The key leaves the page's memory either way once it is stored.
    if (saved) {
      setApiKey("");
      onSaved();
    }
  }

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="card stack"
      aria-labelledby={`${id}-title`}
      data-testid="provider-form"
    >
      <h2 id={`${id}-title`} className="asst-h2">
        {stored ? t("provider.replaceTitle") : t("provider.title")}
      </h2>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <TextField
        label={t("provider.baseUrl")}
        type="url"
        inputMode="url"
        autoComplete="off"
        spellCheck={false}
        dir="ltr"
        maxLength={2048}
        hint={t("provider.baseUrlHint")}
        value={baseUrl}
        onChange={(e) => setBaseUrl(e.target.value)}
        error={form.fields.base_url}
      />
      <TextField
        label={t("provider.model")}
        autoComplete="off"
        spellCheck={false}
        dir="ltr"
        maxLength={200}
        hint={t("provider.modelHint")}
        value={model}
        onChange={(e) => setModel(e.target.value)}
        error={form.fields.model}
      />
      <TextField
        label={t("provider.apiKey")}
        type="password"
        autoComplete="off"
        spellCheck={false}
        dir="ltr"
        maxLength={500}
        hint={stored ? t("provider.apiKeyReplaceHint") : t("provider.apiKeyHint")}
        value={apiKey}
        onChange={(e) => setApiKey(e.target.value)}
        error={form.fields.api_key}
      />
      <div className="row">
        <button
          type="submit"
          className="btn btn-primary"
          disabled={form.pending}
          aria-busy={form.pending || undefined}
        >
          {form.pending ? t("state.saving", { ns: "common" }) : t("provider.save")}
        </button>
        {onCancel && (
          <button type="button" className="btn" onClick={onCancel}>
            {t("actions.cancel", { ns: "common" })}
          </button>
        )}
      </div>
    </form>
  );
}

function StoredProvider({
  p,
  onReplace,
  onDelete,
}: {
  p: Provider;
  onReplace: () => void;
  onDelete: () => void;
}) {
  const { t } = useTranslation("assistant");
  const id = useId();
  return (
    <section className="card stack" aria-labelledby={`${id}-title`} data-testid="provider-stored">
      <h2 id={`${id}-title`} className="asst-h2">
        {t("provider.stored")}
      </h2>
      <dl className="details">
        <dt>{t("provider.baseUrl")}</dt>
        <dd>
          <code className="asst-ltr" data-testid="provider-base-url">
            {p.base_url}
          </code>
        </dd>
        <dt>{t("provider.model")}</dt>
        <dd className="asst-ltr" data-testid="provider-model">
          {p.model}
        </dd>
        <dt>{t("provider.key")}</dt>
        <dd data-testid="provider-key">
          {p.key_last4 ? t("provider.keyLast4", { last4: p.key_last4 }) : t("provider.keyHidden")}
        </dd>
        <dt>{t("provider.updated")}</dt>
        <dd>{formatDateTime(p.updated_at, currentLanguage())}</dd>
      </dl>
      <div className="row">
        <button type="button" className="btn" onClick={onReplace}>
          {t("provider.replace")}
        </button>
        <button type="button" className="btn btn-danger" onClick={onDelete}>
          {t("provider.delete")}
        </button>
        <Link className="btn" to="/assistant/chat">
          {t("provider.toChat")}
        </Link>
      </div>
    </section>
  );
}

export default function ProviderPage() {
  const { t } = useTranslation("assistant");
  const provider = useProvider();
  const remove = useDeleteProvider();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);

  return (
    <section className="stack asst-root">
      <PageHeader title={t("provider.title")} />
      <Sections />
      <p className="asst-flush muted">{t("provider.intro")}</p>
      {notice && (
        <p className="notice notice-ok" role="status" data-testid="provider-notice">
          {notice}
        </p>
      )}
      <QueryState query={provider}>
        {(p) =>
          p && !editing ? (
            <StoredProvider
              p={p}
              onReplace={() => {
                setNotice(null);
                setEditing(true);
              }}
              onDelete={() => {
                setNotice(null);
                remove.reset();
                setDeleting(true);
              }}
            />
          ) : (
            <>
              {!p && <p className="asst-flush muted">{t("provider.none")}</p>}
              <ProviderForm
                stored={p}
                onSaved={() => {
                  setEditing(false);
                  setNotice(t("provider.saved"));
                }}
                {...(p ? { onCancel: () => setEditing(false) } : {})}
              />
            </>
          )
        }
      </QueryState>
      <Dialog open={deleting} title={t("provider.deleteTitle")} onClose={() => setDeleting(false)}>
        <ConfirmForm
          danger
          confirmLabel={t("provider.delete")}
          pending={remove.isPending}
          error={remove.error}
          onCancel={() => setDeleting(false)}
          onConfirm={() =>
            remove.mutate(undefined, {
              onSuccess: () => {
                setDeleting(false);
                setEditing(false);
                setNotice(t("provider.deleted"));
              },
            })
          }
        >
          <p className="asst-flush">{t("provider.deleteText")}</p>
        </ConfirmForm>
      </Dialog>
    </section>
  );
}
