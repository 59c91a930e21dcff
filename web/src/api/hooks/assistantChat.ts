// The chat's conversation as state, kept pure so it can be tested without a browser: the
// turns, how each server-sent event of an answer changes the last one, and the messages a
// new question sends (POST /v1/assistant/chat: `delta` {text}, `tool` {name, arguments,
// summary}, then `message` {content} or `error` {code, message}).
import type { SseEvent } from "../../lib/sse";
import type { ApiError } from "../errors";

/** A tool the model ran while answering, as the API reported it. */
export interface ToolLine {
  name: string;
  summary: string;
}

/** Why an answer did not come. */
export type Failure =
  /** The API refused the question (409 no provider, 422, 403…) or could not be reached. */
  | { kind: "refused"; error: ApiError }
  /** An `error` event: the provider failed (`bad_key`, `timeout`, …). */
  | { kind: "event"; code: string; message: string }
  /** The stream ended without its final message, or sent something unreadable. */
  | { kind: "cut" };

export type Turn =
  | { role: "user"; text: string }
  | {
      role: "assistant";
      text: string;
      tools: ToolLine[];
      state: "streaming" | "done" | "stopped" | "failed";
      failure?: Failure;
    };

export type ChatAction =
  | { type: "ask"; text: string }
  | { type: "event"; event: SseEvent }
  | { type: "ended" }
  | { type: "stopped" }
  | { type: "refused"; error: ApiError }
  | { type: "reset" };

/** The most messages the API takes, and the longest text of one. */
export const MAX_MESSAGES = 50;
export const MAX_CHARS = 8000;

function parse(data: string): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(data);
    return typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

const text = (v: unknown) => (typeof v === "string" ? v : "");

type Answer = Extract<Turn, { role: "assistant" }>;

/** An answer after one event (unknown events change nothing: the API may add some). */
export function withEvent(turn: Answer, e: SseEvent): Answer {
  const data = parse(e.data);
  switch (e.event) {
    case "delta":
      return data ? { ...turn, text: turn.text + text(data.text) } : fail(turn, { kind: "cut" });
    case "tool":
      return data
        ? {
            ...turn,
            tools: [...turn.tools, { name: text(data.name), summary: text(data.summary) }],
          }
        : fail(turn, { kind: "cut" });
    case "message":
      // The whole answer: it replaces the pieces (they should add up to it).
      return data
        ? { ...turn, text: text(data.content), state: "done" }
        : fail(turn, { kind: "cut" });
    case "error":
      return fail(turn, {
        kind: "event",
        code: text(data?.code) || "unknown",
        message: text(data?.message),
      });
    default:
      return turn;
  }
}

function fail(turn: Answer, failure: Failure): Answer {
  return { ...turn, state: "failed", failure };
}

/** Changes the last turn when it is an answer still coming; otherwise nothing. */
function onAnswer(turns: Turn[], change: (t: Answer) => Answer): Turn[] {
  const last = turns[turns.length - 1];
  if (last?.role !== "assistant" || last.state !== "streaming") return turns;
  return [...turns.slice(0, -1), change(last)];
}

export function chatReducer(turns: Turn[], action: ChatAction): Turn[] {
  switch (action.type) {
    case "ask":
      return [
        ...turns,
        { role: "user", text: action.text },
        { role: "assistant", text: "", tools: [], state: "streaming" },
      ];
    case "event":
      return onAnswer(turns, (t) => withEvent(t, action.event));
    case "ended":
      // Still streaming when the stream ended: its final event never came.
      return onAnswer(turns, (t) => fail(t, { kind: "cut" }));
    case "stopped":
      return onAnswer(turns, (t) => ({ ...t, state: "stopped" }));
    case "refused":
      return onAnswer(turns, (t) => fail(t, { kind: "refused", error: action.error }));
    case "reset":
      return [];
  }
}

/**
 * The messages of a new question: the questions asked and the answers that came whole
 * (a stopped or failed answer is left out), oldest first, the new question last; at most
 * the API's 50 (starting with a question), each cut to its 8000 characters.
 */
export function conversationFor(
  turns: Turn[],
  question: string,
): { role: "user" | "assistant"; content: string }[] {
  const messages: { role: "user" | "assistant"; content: string }[] = [];
  for (const t of turns) {
    if (t.role === "user") messages.push({ role: "user", content: t.text });
    else if (t.state === "done" && t.text.trim() !== "") {
      messages.push({ role: "assistant", content: t.text });
    }
  }
  messages.push({ role: "user", content: question });
  const kept = messages.slice(-MAX_MESSAGES);
  // Cut at an answer, the conversation would start with it: start at a question.
  while (kept[0]?.role === "assistant") kept.shift();
  return kept.map((m) => ({ ...m, content: Array.from(m.content).slice(0, MAX_CHARS).join("") }));
}
