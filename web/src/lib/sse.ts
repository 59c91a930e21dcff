// Server-sent events read incrementally (the WHATWG "event stream interpretation"), for
// answers EventSource cannot ask for: a POST with a body and the app's own headers (the
// assistant's chat). Text arrives in chunks cut anywhere: mid-line, between the CR and the LF
// of a CRLF, inside a multi-byte character (the decoder keeps those for the next chunk).

/** One event: its type (`message` when the stream names none), data and last id. */
export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

/**
 * Turns text into events as it arrives: `feed` each decoded chunk and take the events it
 * completed; the rest waits for the next chunk. Lines end with LF, CRLF or CR; `data` lines
 * are joined with LF; comments (`:`) and unknown fields are ignored; an event without data
 * is not dispatched (a keep-alive); `end` drops an event the stream did not finish.
 */
export class SseParser {
  private line = "";
  /** The last chunk ended with CR: an LF starting the next one ends no second line. */
  private afterCr = false;
  private data: string[] = [];
  private type = "";
  private lastId = "";

  feed(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    if (chunk === "") return out;
    let start = 0;
    if (this.afterCr && chunk.startsWith("\n")) start = 1;
    this.afterCr = false;
    for (let i = start; i < chunk.length; i++) {
      const c = chunk[i];
      if (c !== "\n" && c !== "\r") continue;
      this.line += chunk.slice(start, i);
      this.takeLine(out);
      if (c === "\r") {
        if (i + 1 === chunk.length) this.afterCr = true;
        else if (chunk[i + 1] === "\n") i++;
      }
      start = i + 1;
    }
    this.line += chunk.slice(start);
    return out;
  }

  /** The stream ended: an unfinished event is dropped, as the standard says. */
  end(): void {
    this.line = "";
    this.data = [];
    this.type = "";
    this.afterCr = false;
  }

  private takeLine(out: SseEvent[]) {
    const line = this.line;
    this.line = "";
    if (line === "") {
      if (this.data.length > 0) {
        out.push({ event: this.type || "message", data: this.data.join("\n"), id: this.lastId });
      }
      this.data = [];
      this.type = "";
      return;
    }
    if (line.startsWith(":")) return;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    switch (field) {
      case "data":
        this.data.push(value);
        break;
      case "event":
        this.type = value;
        break;
      case "id":
        if (!value.includes("\0")) this.lastId = value;
        break;
      default:
      // `retry` and unknown fields: nothing to do here.
    }
  }
}

/**
 * Reads a response body as server-sent events, handing each to `onEvent` as soon as it is
 * complete. Resolves when the stream ends; rejects when reading fails (an abort included).
 */
export async function readEvents(
  body: ReadableStream<Uint8Array>,
  onEvent: (e: SseEvent) => void,
): Promise<void> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const e of parser.feed(decoder.decode(value, { stream: true }))) onEvent(e);
    }
    for (const e of parser.feed(decoder.decode())) onEvent(e);
    parser.end();
  } finally {
    reader.releaseLock();
  }
}
