import { describe, expect, it } from "vitest";
import { ApiError } from "../errors";
import {
  type ChatAction,
  chatReducer,
  conversationFor,
  MAX_CHARS,
  type Turn,
} from "./assistantChat";

const ev = (event: string, data: unknown): ChatAction => ({
  type: "event",
  event: { event, data: typeof data === "string" ? data : JSON.stringify(data), id: "" },
});

function run(actions: ChatAction[], from: Turn[] = []): Turn[] {
  return actions.reduce(chatReducer, from);
}

describe("chatReducer", () => {
  it("grows the answer with each delta, notes the tools, and ends with the message", () => {
    const turns = run([
      { type: "ask", text: "How was my week?" },
      ev("delta", { text: "Let me " }),
      ev("tool", { name: "get_stats", arguments: {}, summary: "120 clicks, 4 conversions" }),
      ev("delta", { text: "look: 120 clicks." }),
    ]);
    expect(turns).toEqual([
      { role: "user", text: "How was my week?" },
      {
        role: "assistant",
        text: "Let me look: 120 clicks.",
        tools: [{ name: "get_stats", summary: "120 clicks, 4 conversions" }],
        state: "streaming",
      },
    ]);
    const done = run([ev("message", { content: "120 clicks this week." })], turns);
    expect(done[1]).toMatchObject({ text: "120 clicks this week.", state: "done" });
  });

  it("ends on an error event with its code and message", () => {
    const turns = run([
      { type: "ask", text: "Hi" },
      ev("delta", { text: "Hel" }),
      ev("error", { code: "bad_key", message: "the provider refused the API key (HTTP 401)" }),
    ]);
    expect(turns[1]).toMatchObject({
      text: "Hel",
      state: "failed",
      failure: {
        kind: "event",
        code: "bad_key",
        message: "the provider refused the API key (HTTP 401)",
      },
    });
  });

  it("a stream that ends without its final event, or with unreadable data, is cut", () => {
    expect(
      run([{ type: "ask", text: "Hi" }, ev("delta", { text: "Hel" }), { type: "ended" }])[1],
    ).toMatchObject({ text: "Hel", state: "failed", failure: { kind: "cut" } });
    expect(run([{ type: "ask", text: "Hi" }, ev("delta", "{not json")])[1]).toMatchObject({
      state: "failed",
      failure: { kind: "cut" },
    });
  });

  it("ignores unknown events and anything after the answer ended", () => {
    const turns = run([
      { type: "ask", text: "Hi" },
      ev("ping", {}),
      ev("message", { content: "Hello" }),
      ev("delta", { text: " again" }),
      { type: "ended" },
      { type: "stopped" },
    ]);
    expect(turns[1]).toMatchObject({ text: "Hello", state: "done", tools: [] });
  });

  it("a stop keeps what came; a refusal says why; a reset forgets everything", () => {
    const stopped = run([
      { type: "ask", text: "Hi" },
      ev("delta", { text: "Hel" }),
      { type: "stopped" },
    ]);
    expect(stopped[1]).toMatchObject({ text: "Hel", state: "stopped" });
    const error = new ApiError({ status: 409, code: "no_provider", detail: "no chat provider" });
    const refused = run([
      { type: "ask", text: "Hi" },
      { type: "refused", error },
    ]);
    expect(refused[1]).toMatchObject({ state: "failed", failure: { kind: "refused", error } });
    expect(run([{ type: "reset" }], refused)).toEqual([]);
  });
});

describe("conversationFor", () => {
  it("sends the questions and the whole answers, the new question last", () => {
    const turns = run([
      { type: "ask", text: "one" },
      ev("message", { content: "answer one" }),
      { type: "ask", text: "two" },
      ev("delta", { text: "half" }),
      { type: "stopped" },
      { type: "ask", text: "three" },
      ev("error", { code: "timeout", message: "slow" }),
    ]);
    expect(conversationFor(turns, "four")).toEqual([
      { role: "user", content: "one" },
      { role: "assistant", content: "answer one" },
      { role: "user", content: "two" },
      { role: "user", content: "three" },
      { role: "user", content: "four" },
    ]);
  });

  it("keeps the API's limits: at most 50 messages, from a question, 8000 characters each", () => {
    const many = Array.from({ length: 30 }, (_, i) => i).flatMap((i) => [
      { type: "ask", text: `q${i}` } as ChatAction,
      ev("message", { content: `a${i}` }),
    ]);
    const messages = conversationFor(run(many), "last");
    // 61 messages: the last 50 would start with the answer a5, so they start at q6.
    expect(messages).toHaveLength(49);
    expect(messages.at(-1)).toEqual({ role: "user", content: "last" });
    expect(messages[0]).toEqual({ role: "user", content: "q6" });
    const long = "ب".repeat(MAX_CHARS + 10);
    const [m] = conversationFor([], long);
    expect(Array.from(m?.content ?? "")).toHaveLength(MAX_CHARS);
  });
});
