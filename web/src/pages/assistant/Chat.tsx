// The assistant's chat with the caller's own provider (bring your own key): the conversation,
// the answer growing as its server-sent events arrive (text, the tools the model ran), a Stop
// button, and each failure in words (no provider: where to add one). The log is a polite
// live region, so a screen reader hears the answer as it comes.
import { type FormEvent, type KeyboardEvent, useId, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { useChat, useProvider } from "../../api/hooks/assistant";
import type { Failure, Turn } from "../../api/hooks/assistantChat";
import { ErrorNotice } from "../../components/ErrorNotice";
import { TextArea } from "../../components/Field";
import { PageHeader } from "../../components/PageHeader";
import { Sections } from "./components/Sections";
import { useAssistantLang } from "./lib/useLang";
import "./assistant.css";

const PROVIDER = "/assistant/provider";

/** What to do without a provider: add one (its link). */
function NoProvider({ testid }: { testid: string }) {
  const { t } = useTranslation("assistant");
  return (
    <div className="notice notice-warn stack" style={{ gap: "0.25rem" }} data-testid={testid}>
      <strong>{t("chat.noProvider.title")}</strong>
      <span>{t("chat.noProvider.text")}</span>
      <Link to={PROVIDER}>{t("chat.noProvider.link")}</Link>
    </div>
  );
}

function FailureNotice({ failure }: { failure: Failure }) {
  const { t } = useTranslation("assistant");
  if (failure.kind === "refused") {
    const e = failure.error;
    if (e.code === "no_provider") return <NoProvider testid="chat-no-provider" />;
    if (e.code === "provider_unreadable") {
      return (
        <p className="notice notice-error" role="alert" data-testid="chat-error">
          <span>{t("chat.unreadable.text")}</span>{" "}
          <Link to={PROVIDER}>{t("chat.unreadable.link")}</Link>
        </p>
      );
    }
    if (e.code === "validation_failed" && Object.keys(e.fields).length > 0) {
      return (
        <p className="notice notice-error" role="alert" data-testid="chat-error">
          {Object.values(e.fields).join("; ")}
        </p>
      );
    }
    return <ErrorNotice error={e} />;
  }
  const code = failure.kind === "cut" ? "cut" : failure.code;
  return (
    <div
      className="notice notice-error stack"
      style={{ gap: "0.25rem" }}
      role="alert"
      data-testid="chat-error"
      data-code={code}
    >
      <span>{t(`chat.errors.${code}`, { defaultValue: t("chat.errors.unknown") })}</span>
      {failure.kind === "event" && failure.message && (
        <span className="asst-meta">{t("chat.detail", { message: failure.message })}</span>
      )}
      {code === "bad_key" && <Link to={PROVIDER}>{t("chat.providerSettings")}</Link>}
    </div>
  );
}

function TurnView({ turn }: { turn: Turn }) {
  const { t } = useTranslation("assistant");
  if (turn.role === "user") {
    return (
      <li className="card stack asst-turn-user" style={{ gap: "0.25rem" }} data-testid="turn-user">
        <span className="asst-who">{t("chat.you")}</span>
        <p className="asst-text" dir="auto">
          {turn.text}
        </p>
      </li>
    );
  }
  return (
    <li
      className="card stack"
      style={{ gap: "0.35rem" }}
      data-testid="turn-assistant"
      data-state={turn.state}
    >
      <span className="asst-who">{t("chat.assistant")}</span>
      {turn.tools.length > 0 && (
        <ul className="asst-tools">
          {turn.tools.map((tool, i) => (
            // Tool lines only grow at the end: their place is their identity.
            // biome-ignore lint/suspicious/noArrayIndexKey: append-only
            <li key={i} data-testid="chat-tool" data-tool={tool.name}>
              {t("chat.tool", {
                tool: t(`chat.tools.${tool.name}`, { defaultValue: tool.name }),
                summary: tool.summary,
              })}
            </li>
          ))}
        </ul>
      )}
      {turn.text && (
        <p className="asst-text" dir="auto" data-testid="chat-answer">
          {turn.text}
        </p>
      )}
      {turn.state === "stopped" && <p className="asst-meta muted">{t("chat.stopped")}</p>}
      {turn.failure && <FailureNotice failure={turn.failure} />}
    </li>
  );
}

export default function Chat() {
  const { t } = useTranslation("assistant");
  const lang = useAssistantLang();
  const provider = useProvider();
  const chat = useChat(lang);
  const [draft, setDraft] = useState("");
  const form = useRef<HTMLFormElement>(null);
  const id = useId();
  const last = chat.turns[chat.turns.length - 1];

  function submit(e: FormEvent) {
    e.preventDefault();
    const question = draft.trim();
    if (!question || chat.busy) return;
    setDraft("");
    void chat.ask(question);
  }

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter is a new line; never while an input method is composing.
    if (e.key === "Enter" && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      form.current?.requestSubmit();
    }
  }

  const status = chat.busy
    ? t("chat.answering")
    : last?.role === "assistant" && last.state === "done"
      ? t("chat.done")
      : "";

  return (
    <section className="stack asst-root">
      <PageHeader title={t("chat.title")} />
      <Sections />
      <p className="asst-flush muted">{t("chat.intro")}</p>
      {provider.data === null ? (
        <NoProvider testid="no-provider" />
      ) : provider.data ? (
        <p className="asst-flush asst-meta" data-testid="chat-provider">
          {t("chat.using", { model: provider.data.model, url: provider.data.base_url })}{" "}
          <Link to={PROVIDER}>{t("chat.changeProvider")}</Link>
        </p>
      ) : null}
      <h2 id={`${id}-log`} className="visually-hidden">
        {t("chat.log")}
      </h2>
      <div role="log" aria-live="polite" aria-labelledby={`${id}-log`} data-testid="chat-log">
        {chat.turns.length === 0 ? (
          <p className="muted asst-flush">{t("chat.empty")}</p>
        ) : (
          <ol className="asst-list">
            {chat.turns.map((turn, i) => (
              // Turns only grow at the end (a new conversation starts afresh).
              // biome-ignore lint/suspicious/noArrayIndexKey: append-only
              <TurnView key={i} turn={turn} />
            ))}
          </ol>
        )}
      </div>
      <p className="asst-flush asst-meta muted" role="status" data-testid="chat-status">
        {status}
      </p>
      <form ref={form} className="stack asst-composer" onSubmit={submit} noValidate>
        <TextArea
          label={t("chat.question")}
          hint={t("chat.questionHint")}
          value={draft}
          maxLength={8000}
          dir="auto"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
        />
        <div className="row">
          <button type="submit" className="btn btn-primary" disabled={chat.busy || !draft.trim()}>
            {t("chat.send")}
          </button>
          {chat.busy && (
            <button
              type="button"
              className="btn btn-danger"
              onClick={() => {
                chat.stop();
                // The button goes with the answer: keep the keyboard in the question.
                form.current?.querySelector("textarea")?.focus();
              }}
            >
              {t("chat.stop")}
            </button>
          )}
          {!chat.busy && chat.turns.length > 0 && (
            <button type="button" className="btn" onClick={chat.reset}>
              {t("chat.reset")}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
