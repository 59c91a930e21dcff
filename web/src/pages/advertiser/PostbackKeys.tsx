import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import {
  useCreatePostbackKey,
  usePostbackKeys,
  useRevokePostbackKey,
} from "../../api/hooks/postbackKeys";
import { CopyButton } from "../../components/CopyButton";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextArea, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { useApiForm } from "../../components/useApiForm";
import { currentLanguage } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { type AllowList, allowListErrors, parseAllowList } from "./lib/allowList";
import "./advertiser.css";

type NewKey = Schemas["NewPostbackKey"];
type KeyView = Schemas["PostbackKeyView"];

/** The new key and its URL, shown once: the API never shows the key again. */
function CreatedKey({ created, onDone }: { created: NewKey; onDone: () => void }) {
  const { t } = useTranslation("advertiser");
  return (
    <section
      className="card stack"
      aria-labelledby="new-postback-key"
      data-testid="created-postback-key"
    >
      <h2 id="new-postback-key" style={{ margin: 0 }}>
        {t("postbackKeys.created.title")}
      </h2>
      <p className="notice notice-warn" role="alert">
        <strong>{t("postbackKeys.created.once")}</strong>
      </p>
      <div className="stack" style={{ gap: "0.25rem" }}>
        <strong>{t("postbackKeys.created.key")}</strong>
        <code className="secret adv-ltr" data-testid="postback-key">
          {created.key}
        </code>
        <div>
          <CopyButton text={created.key} label={t("postbackKeys.created.copyKey")} />
        </div>
      </div>
      <div className="stack" style={{ gap: "0.25rem" }}>
        <strong>{t("postbackKeys.created.url")}</strong>
        <code className="secret adv-ltr" data-testid="postback-url">
          {created.postback_url}
        </code>
        <small className="hint">{t("postbackKeys.created.urlHint")}</small>
        <div>
          <CopyButton text={created.postback_url} label={t("postbackKeys.created.copyUrl")} />
        </div>
      </div>
      <div>
        <button type="button" className="btn btn-primary" onClick={onDone}>
          {t("postbackKeys.created.done")}
        </button>
      </div>
    </section>
  );
}

function CreateForm({ onCreated }: { onCreated: (k: NewKey) => void }) {
  const { t } = useTranslation("advertiser");
  const create = useCreatePostbackKey();
  const form = useApiForm();
  const [name, setName] = useState("");
  const [ips, setIps] = useState("");
  const [sent, setSent] = useState<AllowList>({ entries: [], lines: [] });
  const lineErrors = allowListErrors(form.fields, sent);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const allow = parseAllowList(ips);
    setSent(allow);
    const created = await form.submit(() =>
      create.mutateAsync({ name: name.trim(), ip_allow: allow.entries }),
    );
    if (created) {
      setName("");
      setIps("");
      onCreated(created);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="new-key-title">
      <h2 id="new-key-title" style={{ margin: 0 }}>
        {t("postbackKeys.new")}
      </h2>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <TextField
        label={t("postbackKeys.name")}
        name="name"
        required
        maxLength={100}
        hint={t("postbackKeys.nameHint")}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={form.fields.name}
      />
      <div className="adv-lines">
        <TextArea
          label={t("postbackKeys.ipAllow")}
          name="ip_allow"
          dir="ltr"
          spellCheck={false}
          autoCapitalize="none"
          rows={4}
          hint={t("postbackKeys.ipAllowHint")}
          value={ips}
          onChange={(e) => setIps(e.target.value)}
          error={
            lineErrors.length > 0
              ? lineErrors
                  .map((l) =>
                    l.line === null
                      ? l.message
                      : t("postbackKeys.lineError", {
                          line: l.line,
                          entry: l.entry,
                          message: l.message,
                        }),
                  )
                  .join("\n")
              : undefined
          }
        />
      </div>
      <div>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending ? t("state.saving", { ns: "common" }) : t("postbackKeys.create")}
        </button>
      </div>
    </form>
  );
}

function KeyTable({ keys }: { keys: KeyView[] }) {
  const { t } = useTranslation("advertiser");
  const lang = currentLanguage();
  const revoke = useRevokePostbackKey();
  const [deleting, setDeleting] = useState<KeyView | null>(null);
  if (keys.length === 0) return <p className="muted">{t("postbackKeys.empty")}</p>;
  return (
    <>
      <TableWrap label={t("postbackKeys.title")}>
        <table data-testid="postback-keys">
          <thead>
            <tr>
              <th scope="col">{t("postbackKeys.columns.name")}</th>
              <th scope="col">{t("postbackKeys.columns.prefix")}</th>
              <th scope="col">{t("postbackKeys.columns.ips")}</th>
              <th scope="col">{t("postbackKeys.columns.created")}</th>
              <th scope="col">{t("postbackKeys.columns.state")}</th>
              <th scope="col">{t("postbackKeys.columns.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-key-id={k.id} data-state={k.state}>
                <td>{k.name}</td>
                <td>
                  <code className="adv-ltr">{k.prefix}…</code>
                </td>
                <td className="adv-ltr" style={{ whiteSpace: "normal" }}>
                  {k.ip_allow.length === 0 ? t("postbackKeys.anyAddress") : k.ip_allow.join(", ")}
                </td>
                <td>{formatDateTime(k.created_at, lang)}</td>
                <td>
                  <span className={`badge ${k.state === "active" ? "badge-ok" : ""}`}>
                    {t(`postbackKeys.state.${k.state}`)}
                  </span>
                </td>
                <td>
                  {k.state === "active" && (
                    <button
                      type="button"
                      className="btn btn-small btn-danger"
                      aria-label={t("postbackKeys.deleteLabel", { name: k.name })}
                      onClick={() => {
                        revoke.reset();
                        setDeleting(k);
                      }}
                    >
                      {t("postbackKeys.delete")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {deleting && (
        <ConfirmDialog
          title={t("postbackKeys.confirm.title", { name: deleting.name })}
          confirmLabel={t("postbackKeys.delete")}
          danger
          pending={revoke.isPending}
          error={revoke.error}
          onClose={() => setDeleting(null)}
          onConfirm={() => revoke.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        >
          <p>{t("postbackKeys.confirm.body")}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

export default function PostbackKeys() {
  const { t } = useTranslation("advertiser");
  const keys = usePostbackKeys();
  const [created, setCreated] = useState<NewKey | null>(null);
  return (
    <section className="stack adv-root">
      <PageHeader title={t("postbackKeys.title")} />
      <p className="muted">{t("postbackKeys.intro")}</p>
      {created ? (
        <CreatedKey created={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateForm onCreated={setCreated} />
      )}
      <QueryState query={keys}>{({ data }) => <KeyTable keys={data} />}</QueryState>
    </section>
  );
}
