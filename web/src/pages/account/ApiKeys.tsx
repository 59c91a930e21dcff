import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import {
  useApiKeys,
  useCreateApiKey,
  useRevokeApiKey,
  useRotateApiKey,
  useUpdateApiKey,
} from "../../api/hooks/apiKeys";
import { type Mode, useTestModeSwitch } from "../../api/testMode";
import { useUser } from "../../auth/useSession";
import { Dialog } from "../../components/Dialog";
import { ErrorNotice } from "../../components/ErrorNotice";
import { SelectField, TextArea, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TestBadge } from "../../components/TestBadge";
import { useApiForm } from "../../components/useApiForm";
import { currentLanguage } from "../../i18n";
import {
  type AllowList,
  type AtLine,
  allowListErrors,
  allowListText,
  linesText,
  parseAllowList,
} from "../../lib/allowList";
import { formatDateTime } from "../../lib/format";
import { NewKey } from "./components/NewKey";
import {
  canEditNetworks,
  canRevoke,
  canRotate,
  defaultGraceSeconds,
  graceChoices,
  MAX_IP_ALLOW,
  type Role,
  type Scope,
  scopeErrors,
  scopesFor,
  scopeTextKey,
  stateBadge,
  toggleScope,
} from "./keys";
import "./account.css";

type KeyView = Schemas["KeyView"];
type NewKeyView = Schemas["NewKeyView"];

const MODES: readonly Mode[] = ["live", "test"];

const NO_LIST: AllowList = { entries: [], lines: [] };

/**
 * The networks a key may be used from, typed one per line, with the API's errors at their
 * lines (`ip_allow[i]` is the i-th entry of `sent`, the list last sent).
 */
function NetworksField({
  value,
  onChange,
  fields,
  sent,
}: {
  value: string;
  onChange: (text: string) => void;
  fields: Record<string, string>;
  sent: AllowList;
}) {
  const { t } = useTranslation("auth");
  const atLine = (l: AtLine) =>
    t("apiKeys.lineError", { line: l.line, entry: l.entry, message: l.message });
  return (
    <div className="lines-field">
      <TextArea
        label={t("apiKeys.ipAllow")}
        name="ip_allow"
        dir="ltr"
        spellCheck={false}
        autoCapitalize="none"
        autoComplete="off"
        rows={4}
        hint={t("apiKeys.ipAllowHint", { max: MAX_IP_ALLOW })}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        error={linesText(allowListErrors(fields, sent), atLine)}
      />
    </div>
  );
}

function CreateKeyForm({ role, onCreated }: { role: Role; onCreated: (k: NewKeyView) => void }) {
  const { t } = useTranslation("auth");
  const create = useCreateApiKey();
  const form = useApiForm();
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>([]);
  const [ips, setIps] = useState("");
  const [sent, setSent] = useState<AllowList>(NO_LIST);
  const testing = useTestModeSwitch();
  // In test mode a new key is a test key unless the user says otherwise.
  const [mode, setMode] = useState<Mode>(testing ? "test" : "live");
  const scopesError = scopeErrors(form.fields);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const allow = parseAllowList(ips);
    setSent(allow);
    const key = await form.submit(() =>
      create.mutateAsync({ name, scopes, mode, ip_allow: allow.entries }),
    );
    if (key) {
      setName("");
      setScopes([]);
      setIps("");
      onCreated(key);
    }
  }

  return (
    <form onSubmit={onSubmit} noValidate className="card stack" aria-labelledby="create-key">
      <h2 id="create-key" className="card-title">
        {t("apiKeys.createTitle")}
      </h2>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <TextField
        label={t("apiKeys.name")}
        name="name"
        required
        maxLength={100}
        hint={t("apiKeys.nameHint")}
        value={name}
        onChange={(e) => setName(e.target.value)}
        error={form.fields.name}
      />
      <fieldset
        className={`choice${scopesError ? " field-invalid" : ""}`}
        aria-describedby={scopesError ? "scopes-error" : undefined}
      >
        <legend>{t("apiKeys.scopesLegend")}</legend>
        {scopesFor(role).map((s) => (
          <label key={s} className="choice-item">
            <input
              type="checkbox"
              name="scopes"
              value={s}
              checked={scopes.includes(s)}
              onChange={(e) => setScopes(toggleScope(scopes, s, e.target.checked))}
            />
            <span>
              <code>{s}</code>{" "}
              <span className="muted">{t(`apiKeys.scopes.${scopeTextKey[s]}`)}</span>
            </span>
          </label>
        ))}
        {scopesError && (
          <small id="scopes-error" className="field-error" role="alert">
            {scopesError}
          </small>
        )}
      </fieldset>
      <fieldset
        className={`choice${form.fields.mode ? " field-invalid" : ""}`}
        aria-describedby={form.fields.mode ? "mode-error" : undefined}
      >
        <legend>{t("apiKeys.modeLegend")}</legend>
        {MODES.map((m) => (
          <label key={m} className="choice-item">
            <input
              type="radio"
              name="mode"
              value={m}
              checked={mode === m}
              onChange={() => setMode(m)}
            />
            <span>
              {t(`apiKeys.modes.${m}`)} <span className="muted">{t(`apiKeys.modeHints.${m}`)}</span>
            </span>
          </label>
        ))}
        {form.fields.mode && (
          <small id="mode-error" className="field-error" role="alert">
            {form.fields.mode}
          </small>
        )}
      </fieldset>
      <NetworksField value={ips} onChange={setIps} fields={form.fields} sent={sent} />
      <div>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending ? t("apiKeys.creating") : t("apiKeys.create")}
        </button>
      </div>
    </form>
  );
}

function KeyCard({
  k,
  onRotate,
  onRevoke,
  onEditNetworks,
}: {
  k: KeyView;
  onRotate: () => void;
  onRevoke: () => void;
  onEditNetworks: () => void;
}) {
  const { t } = useTranslation("auth");
  const lang = currentLanguage();
  return (
    <li className="card stack key-card" data-testid="api-key" data-mode={k.mode}>
      <div className="key-head">
        <h3 className="card-title" dir="auto">
          {k.name}
        </h3>
        <span className={stateBadge(k.state)} data-testid="api-key-state">
          {t(`apiKeys.states.${k.state}`)}
        </span>
        {k.mode === "test" && <TestBadge />}
      </div>
      <dl className="details">
        <dt>{t("apiKeys.prefix")}</dt>
        <dd>
          <code>{k.prefix}</code>
        </dd>
        <dt>{t("apiKeys.modeLabel")}</dt>
        <dd data-testid="api-key-mode">{t(`apiKeys.modes.${k.mode}`)}</dd>
        <dt>{t("apiKeys.scopesLabel")}</dt>
        <dd>
          <ul className="inline-list">
            {k.scopes.map((s) => (
              <li key={s}>
                <code>{s}</code>
              </li>
            ))}
          </ul>
        </dd>
        <dt>{t("apiKeys.ipAllow")}</dt>
        <dd data-testid="api-key-networks">
          {k.ip_allow.length === 0 ? (
            t("apiKeys.anyAddress")
          ) : (
            <ul className="inline-list">
              {/* The API keeps the list as sent: a network typed twice is shown once. */}
              {[...new Set(k.ip_allow)].map((n) => (
                <li key={n}>
                  <code dir="ltr">{n}</code>
                </li>
              ))}
            </ul>
          )}
        </dd>
        <dt>{t("apiKeys.created")}</dt>
        <dd>{formatDateTime(k.created_at, lang)}</dd>
        <dt>{t("apiKeys.lastUsed")}</dt>
        <dd>{k.last_used_at ? formatDateTime(k.last_used_at, lang) : t("apiKeys.never")}</dd>
        {k.revoked_at ? (
          <>
            <dt>{t("apiKeys.revokedAt")}</dt>
            <dd>{formatDateTime(k.revoked_at, lang)}</dd>
          </>
        ) : k.expires_at ? (
          <>
            <dt>{k.state === "expired" ? t("apiKeys.expired") : t("apiKeys.expires")}</dt>
            <dd>{formatDateTime(k.expires_at, lang)}</dd>
          </>
        ) : null}
      </dl>
      {k.state === "expiring" && <p className="muted">{t("apiKeys.expiringHint")}</p>}
      {(canRotate(k.state) || canEditNetworks(k.state) || canRevoke(k.state)) && (
        <div className="row">
          {canRotate(k.state) && (
            <button
              type="button"
              className="btn btn-small"
              aria-label={t("apiKeys.rotateNamed", { name: k.name })}
              onClick={onRotate}
            >
              {t("apiKeys.rotate")}
            </button>
          )}
          {canEditNetworks(k.state) && (
            <button
              type="button"
              className="btn btn-small"
              aria-label={t("apiKeys.editNetworksNamed", { name: k.name })}
              onClick={onEditNetworks}
            >
              {t("apiKeys.editNetworks")}
            </button>
          )}
          {canRevoke(k.state) && (
            <button
              type="button"
              className="btn btn-small btn-danger"
              aria-label={t("apiKeys.revokeNamed", { name: k.name })}
              onClick={onRevoke}
            >
              {t("apiKeys.revoke")}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

function RotateForm({
  k,
  onRotated,
  onCancel,
}: {
  k: KeyView;
  onRotated: (n: NewKeyView) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  const rotate = useRotateApiKey();
  const form = useApiForm();
  const [grace, setGrace] = useState(defaultGraceSeconds);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const key = await form.submit(() => rotate.mutateAsync({ id: k.id, graceSeconds: grace }));
    if (key) onRotated(key);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="stack">
      <p>{t("apiKeys.rotateHint")}</p>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <SelectField
        label={t("apiKeys.grace")}
        name="grace_seconds"
        value={String(grace)}
        onChange={(e) => setGrace(Number(e.target.value))}
        error={form.fields.grace_seconds}
      >
        {graceChoices.map((g) => (
          <option key={g.seconds} value={g.seconds}>
            {t(`apiKeys.graces.${g.label}`)}
          </option>
        ))}
      </SelectField>
      <div className="row dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {tc("actions.cancel")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {t("apiKeys.rotateSubmit")}
        </button>
      </div>
    </form>
  );
}

function NetworksForm({
  k,
  onSaved,
  onCancel,
}: {
  k: KeyView;
  onSaved: (k: KeyView) => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  const update = useUpdateApiKey();
  const form = useApiForm();
  const [ips, setIps] = useState(() => allowListText(k.ip_allow));
  const [sent, setSent] = useState<AllowList>(NO_LIST);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const allow = parseAllowList(ips);
    setSent(allow);
    const saved = await form.submit(() => update.mutateAsync({ id: k.id, ipAllow: allow.entries }));
    if (saved) onSaved(saved);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="stack">
      <p>{t("apiKeys.editNetworksHint")}</p>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <NetworksField value={ips} onChange={setIps} fields={form.fields} sent={sent} />
      <div className="row dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {tc("actions.cancel")}
        </button>
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          {form.pending ? tc("state.saving") : t("apiKeys.saveNetworks")}
        </button>
      </div>
    </form>
  );
}

function RevokeForm({
  k,
  onRevoked,
  onCancel,
}: {
  k: KeyView;
  onRevoked: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation("auth");
  const { t: tc } = useTranslation();
  const revoke = useRevokeApiKey();
  const form = useApiForm();

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const done = await form.submit(async () => {
      await revoke.mutateAsync(k.id);
      return true;
    });
    if (done) onRevoked();
  }

  return (
    <form onSubmit={onSubmit} className="stack">
      <p>{t("apiKeys.revokeHint")}</p>
      {form.error ? <ErrorNotice error={form.error} /> : null}
      <div className="row dialog-actions">
        <button type="button" className="btn" onClick={onCancel}>
          {tc("actions.cancel")}
        </button>
        <button type="submit" className="btn btn-danger" disabled={form.pending}>
          {t("apiKeys.revokeSubmit")}
        </button>
      </div>
    </form>
  );
}

export default function ApiKeys() {
  const { t } = useTranslation("auth");
  const user = useUser();
  const keys = useApiKeys();
  const [shown, setShown] = useState<{ key: NewKeyView; rotated: boolean } | null>(null);
  const [rotating, setRotating] = useState<KeyView | null>(null);
  const [revoking, setRevoking] = useState<KeyView | null>(null);
  const [editing, setEditing] = useState<KeyView | null>(null);
  // What was just done to which key (translated when shown, so a language switch follows).
  const [done, setDone] = useState<{ what: "revoked" | "networksSaved"; name: string } | null>(
    null,
  );

  return (
    <section>
      <PageHeader title={t("apiKeys.title")} />
      <div className="stack">
        <p className="muted">{t("apiKeys.intro")}</p>
        {done !== null && (
          <p className="notice notice-ok" role="status" data-testid="api-keys-done">
            {t(`apiKeys.${done.what}`, { name: done.name })}
          </p>
        )}
        {shown && (
          <NewKey created={shown.key} rotated={shown.rotated} onDone={() => setShown(null)} />
        )}
        <CreateKeyForm
          role={user.role}
          onCreated={(key) => {
            setDone(null);
            setShown({ key, rotated: false });
          }}
        />
        <h2>{t("apiKeys.listTitle")}</h2>
        <QueryState query={keys}>
          {({ data }) =>
            data.length === 0 ? (
              <p className="muted">{t("apiKeys.none")}</p>
            ) : (
              <ul className="plain-list stack">
                {data.map((k) => (
                  <KeyCard
                    key={k.id}
                    k={k}
                    onRotate={() => setRotating(k)}
                    onRevoke={() => setRevoking(k)}
                    onEditNetworks={() => setEditing(k)}
                  />
                ))}
              </ul>
            )
          }
        </QueryState>
        <Dialog
          open={rotating !== null}
          title={t("apiKeys.rotateTitle", { name: rotating?.name ?? "" })}
          onClose={() => setRotating(null)}
        >
          {rotating && (
            <RotateForm
              k={rotating}
              onCancel={() => setRotating(null)}
              onRotated={(key) => {
                setRotating(null);
                setDone(null);
                setShown({ key, rotated: true });
              }}
            />
          )}
        </Dialog>
        <Dialog
          open={revoking !== null}
          title={t("apiKeys.revokeTitle", { name: revoking?.name ?? "" })}
          onClose={() => setRevoking(null)}
        >
          {revoking && (
            <RevokeForm
              k={revoking}
              onCancel={() => setRevoking(null)}
              onRevoked={() => {
                setDone({ what: "revoked", name: revoking.name });
                setRevoking(null);
              }}
            />
          )}
        </Dialog>
        <Dialog
          open={editing !== null}
          title={t("apiKeys.editNetworksTitle", { name: editing?.name ?? "" })}
          onClose={() => setEditing(null)}
        >
          {editing && (
            <NetworksForm
              k={editing}
              onCancel={() => setEditing(null)}
              onSaved={(saved) => {
                setDone({ what: "networksSaved", name: saved.name });
                setEditing(null);
              }}
            />
          )}
        </Dialog>
      </div>
    </section>
  );
}
