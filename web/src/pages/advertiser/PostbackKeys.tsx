import { type FormEvent, useState } from "react";
import { useTranslation } from "react-i18next";
import type { Schemas } from "../../api/client";
import {
  useCreatePostbackKey,
  usePostbackKeys,
  useRevokePostbackKey,
} from "../../api/hooks/postbackKeys";
import { type Mode, useTestModeSwitch } from "../../api/testMode";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextArea, TextField } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { TestBadge } from "../../components/TestBadge";
import { useApiForm } from "../../components/useApiForm";
import { currentLanguage } from "../../i18n";
import {
  type AllowList,
  type AtLine,
  allowListErrors,
  type LineError,
  linesText,
  parseAllowList,
} from "../../lib/allowList";
import { formatDateTime } from "../../lib/format";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { CopyBlock } from "./components/CopyBlock";
import {
  conversionSnippet,
  edgeBaseUrl,
  MAX_ORIGINS,
  originProblems,
  originsOk,
  SDK_SCRIPT_SRC,
  scriptSnippet,
} from "./lib/publishable";
import "./advertiser.css";

type NewKey = Schemas["NewPostbackKey"];
type KeyView = Schemas["PostbackKeyView"];
type Kind = Schemas["KeyKind"];

const KINDS: readonly Kind[] = ["secret", "publishable"];
const MODES: readonly Mode[] = ["live", "test"];

/** A publishable key's snippet: the script for its pages and the conversion call. */
function Snippets({ created }: { created: NewKey }) {
  const { t } = useTranslation("advertiser");
  const endpoint = edgeBaseUrl(created.postback_url);
  if (!endpoint) return <p className="notice notice-error">{t("postbackKeys.snippet.noEdge")}</p>;
  return (
    <>
      <CopyBlock
        title={t("postbackKeys.snippet.script")}
        text={scriptSnippet({ key: created.key, endpoint })}
        copyLabel={t("postbackKeys.snippet.copyScript")}
        testId="sdk-snippet"
        hint={t("postbackKeys.snippet.scriptHint", { src: SDK_SCRIPT_SRC })}
        block
      />
      <CopyBlock
        title={t("postbackKeys.snippet.conversion")}
        text={conversionSnippet()}
        copyLabel={t("postbackKeys.snippet.copyConversion")}
        testId="sdk-conversion"
        hint={t("postbackKeys.snippet.conversionHint")}
        block
      />
      <p className="muted">
        {t("postbackKeys.snippet.origins", { origins: created.origins.join(", ") })}
      </p>
    </>
  );
}

/** The new key and its URL (or, for a publishable key, its snippet), shown once. */
function CreatedKey({ created, onDone }: { created: NewKey; onDone: () => void }) {
  const { t } = useTranslation("advertiser");
  const publishable = created.kind === "publishable";
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
        <strong>
          {publishable ? t("postbackKeys.created.oncePublishable") : t("postbackKeys.created.once")}
        </strong>
      </p>
      {created.mode === "test" && (
        <p className="notice notice-warn" data-testid="created-test-key">
          {t("postbackKeys.created.test")}
        </p>
      )}
      <CopyBlock
        title={t("postbackKeys.created.key")}
        text={created.key}
        copyLabel={t("postbackKeys.created.copyKey")}
        testId="postback-key"
      />
      {publishable ? (
        <Snippets created={created} />
      ) : (
        <CopyBlock
          title={t("postbackKeys.created.url")}
          text={created.postback_url}
          copyLabel={t("postbackKeys.created.copyUrl")}
          testId="postback-url"
          hint={t("postbackKeys.created.urlHint")}
        />
      )}
      <div>
        <button type="button" className="btn btn-primary" onClick={onDone}>
          {t("postbackKeys.created.done")}
        </button>
      </div>
    </section>
  );
}

/** A group of radio buttons, each with its hint. */
function Choice<T extends string>({
  legend,
  name,
  values,
  value,
  onChange,
  text,
  hint,
  error,
}: {
  legend: string;
  name: string;
  values: readonly T[];
  value: T;
  onChange: (v: T) => void;
  text: (v: T) => string;
  hint: (v: T) => string;
  error?: string | undefined;
}) {
  return (
    <fieldset
      className={`choice${error ? " field-invalid" : ""}`}
      aria-describedby={error ? `${name}-error` : undefined}
    >
      <legend>{legend}</legend>
      {values.map((v) => (
        <label key={v} className="choice-item">
          <input
            type="radio"
            name={name}
            value={v}
            checked={value === v}
            onChange={() => onChange(v)}
          />
          <span>
            {text(v)} <span className="muted">{hint(v)}</span>
          </span>
        </label>
      ))}
      {error && (
        <small id={`${name}-error`} className="field-error" role="alert">
          {error}
        </small>
      )}
    </fieldset>
  );
}

function CreateForm({ onCreated }: { onCreated: (k: NewKey) => void }) {
  const { t } = useTranslation("advertiser");
  const create = useCreatePostbackKey();
  const form = useApiForm();
  const testing = useTestModeSwitch();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<Kind>("secret");
  // In test mode a new key is a test key unless the user says otherwise.
  const [mode, setMode] = useState<Mode>(testing ? "test" : "live");
  const [ips, setIps] = useState("");
  const [originsText, setOriginsText] = useState("");
  const [sent, setSent] = useState<AllowList>({ entries: [], lines: [] });
  const [sentOrigins, setSentOrigins] = useState<AllowList>({ entries: [], lines: [] });
  // The origins' problems found here (before sending), shown until the text changes.
  const [originCheck, setOriginCheck] = useState<ReturnType<typeof originProblems> | null>(null);
  const publishable = kind === "publishable";
  const atLine = (l: AtLine) =>
    t("postbackKeys.lineError", { line: l.line, entry: l.entry, message: l.message });
  const ipErrors = allowListErrors(form.fields, sent);
  const originErrors: LineError[] = originCheck
    ? [
        ...(originCheck.list
          ? [
              {
                line: null,
                entry: null,
                message: t(`postbackKeys.originProblem.${originCheck.list}`, { max: MAX_ORIGINS }),
              },
            ]
          : []),
        ...originCheck.lines.map((l) => ({
          line: l.line,
          entry: l.entry,
          message: t(`postbackKeys.originProblem.${l.problem}`),
        })),
      ]
    : allowListErrors(form.fields, sentOrigins, "origins");

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const allow = publishable ? { entries: [], lines: [] } : parseAllowList(ips);
    const origins = publishable ? parseAllowList(originsText) : { entries: [], lines: [] };
    if (publishable) {
      const found = originProblems(origins);
      if (!originsOk(found)) {
        setOriginCheck(found);
        return;
      }
    }
    setOriginCheck(null);
    setSent(allow);
    setSentOrigins(origins);
    const created = await form.submit(() =>
      create.mutateAsync({
        name: name.trim(),
        kind,
        mode,
        ip_allow: allow.entries,
        ...(publishable ? { origins: origins.entries } : {}),
      }),
    );
    if (created) {
      setName("");
      setIps("");
      setOriginsText("");
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
      <Choice
        legend={t("postbackKeys.kind")}
        name="kind"
        values={KINDS}
        value={kind}
        onChange={setKind}
        text={(k) => t(`postbackKeys.kinds.${k}`)}
        hint={(k) => t(`postbackKeys.kindHints.${k}`)}
        error={form.fields.kind}
      />
      <Choice
        legend={t("postbackKeys.mode")}
        name="mode"
        values={MODES}
        value={mode}
        onChange={setMode}
        text={(m) => t(`postbackKeys.modes.${m}`)}
        hint={(m) => t(`postbackKeys.modeHints.${m}`)}
        error={form.fields.mode}
      />
      <div className="lines-field">
        {publishable ? (
          <TextArea
            label={t("postbackKeys.origins")}
            name="origins"
            dir="ltr"
            spellCheck={false}
            autoCapitalize="none"
            rows={3}
            required
            placeholder="https://shop.example"
            hint={t("postbackKeys.originsHint", { max: MAX_ORIGINS })}
            value={originsText}
            onChange={(e) => {
              setOriginsText(e.target.value);
              setOriginCheck(null);
            }}
            error={linesText(originErrors, atLine)}
          />
        ) : (
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
            error={linesText(ipErrors, atLine)}
          />
        )}
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
              <th scope="col">{t("postbackKeys.columns.kind")}</th>
              <th scope="col">{t("postbackKeys.columns.mode")}</th>
              <th scope="col">{t("postbackKeys.columns.allowed")}</th>
              <th scope="col">{t("postbackKeys.columns.created")}</th>
              <th scope="col">{t("postbackKeys.columns.state")}</th>
              <th scope="col">{t("postbackKeys.columns.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr
                key={k.id}
                data-key-id={k.id}
                data-state={k.state}
                data-kind={k.kind}
                data-mode={k.mode}
              >
                <td>{k.name}</td>
                <td>
                  <code className="adv-ltr">{k.prefix}…</code>
                </td>
                <td>{t(`postbackKeys.kinds.${k.kind}`)}</td>
                <td>
                  {k.mode === "test" ? (
                    <TestBadge />
                  ) : (
                    <span className="badge">{t("postbackKeys.modes.live")}</span>
                  )}
                </td>
                <td className="adv-ltr" style={{ whiteSpace: "normal" }}>
                  {k.kind === "publishable"
                    ? k.origins.join(", ")
                    : k.ip_allow.length === 0
                      ? t("postbackKeys.anyAddress")
                      : k.ip_allow.join(", ")}
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
