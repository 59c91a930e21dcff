import { describe, expect, it } from "vitest";
import { readEvents, type SseEvent, SseParser } from "./sse";

/** Feeds the chunks one after the other and collects every event. */
function parse(chunks: string[]): SseEvent[] {
  const p = new SseParser();
  return chunks.flatMap((c) => p.feed(c));
}

const chat = [
  'event: delta\ndata: {"text":"Hel"}\n\n',
  'event: tool\ndata: {"name":"get_stats","arguments":{},"summary":"12 clicks"}\n\n',
  'event: delta\ndata: {"text":"lo"}\n\n',
  'event: message\ndata: {"content":"Hello"}\n\n',
].join("");

const expected: SseEvent[] = [
  { event: "delta", data: '{"text":"Hel"}', id: "" },
  { event: "tool", data: '{"name":"get_stats","arguments":{},"summary":"12 clicks"}', id: "" },
  { event: "delta", data: '{"text":"lo"}', id: "" },
  { event: "message", data: '{"content":"Hello"}', id: "" },
];

describe("SseParser", () => {
  it("gives every event of one chunk, in order", () => {
    expect(parse([chat])).toEqual(expected);
  });

  it("waits for the blank line: an event is given once it is complete", () => {
    const p = new SseParser();
    expect(p.feed("event: delta\ndata: {}")).toEqual([]);
    expect(p.feed("\n")).toEqual([]);
    expect(p.feed("\n")).toEqual([{ event: "delta", data: "{}", id: "" }]);
  });

  it("puts lines split anywhere back together, one character at a time too", () => {
    for (const size of [1, 2, 3, 5, 7, 13]) {
      const chunks: string[] = [];
      for (let i = 0; i < chat.length; i += size) chunks.push(chat.slice(i, i + size));
      expect(parse(chunks), `chunks of ${size}`).toEqual(expected);
    }
  });

  it("takes CRLF and CR line ends, a CRLF split between chunks included", () => {
    const crlf = chat.replaceAll("\n", "\r\n");
    expect(parse([crlf])).toEqual(expected);
    // Cut right between each CR and its LF: the LF must not end a second (blank) line.
    expect(parse(crlf.split(/(?<=\r)/))).toEqual(expected);
    for (let i = 0; i < crlf.length; i++) {
      expect(parse([crlf.slice(0, i), crlf.slice(i)]), `cut at ${i}`).toEqual(expected);
    }
    expect(parse([chat.replaceAll("\n", "\r")])).toEqual(expected);
  });

  it("a CR then a CR is two line ends, even across chunks", () => {
    expect(parse(["data: a\r", "\r"])).toEqual([{ event: "message", data: "a", id: "" }]);
    expect(parse(["data: a\r", "", "\ndata: b\n\n"])).toEqual([
      { event: "message", data: "a\nb", id: "" },
    ]);
  });

  it("joins data lines with LF and keeps a value's spaces but the first", () => {
    expect(parse(["data: one\ndata:two\ndata:  three\n\n"])).toEqual([
      { event: "message", data: "one\ntwo\n three", id: "" },
    ]);
  });

  it("skips comments, keep-alives, unknown fields and events without data", () => {
    expect(
      parse([": keep-alive\n\n", "retry: 1000\nfoo: bar\n\n", "event: delta\n\n", "data\n\n"]),
    ).toEqual([{ event: "message", data: "", id: "" }]);
  });

  it("remembers the last id", () => {
    expect(parse(["id: 7\ndata: a\n\n", "data: b\n\n"])).toEqual([
      { event: "message", data: "a", id: "7" },
      { event: "message", data: "b", id: "7" },
    ]);
  });

  it("drops an event the stream did not finish", () => {
    const p = new SseParser();
    expect(p.feed("event: delta\ndata: cut")).toEqual([]);
    p.end();
    expect(p.feed("data: next\n\n")).toEqual([{ event: "message", data: "next", id: "" }]);
  });
});

describe("readEvents", () => {
  function stream(parts: Uint8Array[]): ReadableStream<Uint8Array> {
    return new ReadableStream({
      start(controller) {
        for (const p of parts) controller.enqueue(p);
        controller.close();
      },
    });
  }

  it("decodes bytes cut inside a character and hands each event on", async () => {
    const bytes = new TextEncoder().encode('event: delta\ndata: {"text":"مرحبا"}\n\n');
    // Every byte alone: each Arabic letter is two bytes.
    const parts = [...bytes].map((b) => Uint8Array.of(b));
    const seen: SseEvent[] = [];
    await readEvents(stream(parts), (e) => seen.push(e));
    expect(seen).toEqual([{ event: "delta", data: '{"text":"مرحبا"}', id: "" }]);
  });

  it("ends with the stream, an unfinished event dropped", async () => {
    const seen: SseEvent[] = [];
    await readEvents(stream([new TextEncoder().encode("data: a\n\ndata: b")]), (e) => seen.push(e));
    expect(seen.map((e) => e.data)).toEqual(["a"]);
  });
});
