import type { AnswerSink } from "./answer-sink.ts";
import type { Burst } from "./burst.ts";
import { formatEvent } from "./sse.ts";

const ID = Buffer.from("id: ");
const REASONING_ID = Buffer.from("event: reasoning\nid: ");
const DATA = Buffer.from('\ndata: {"content":');
const REASONING_DATA = Buffer.from('\ndata: {"reasoning":');
const END = Buffer.from("}\n\n");
const MOVED_END = Buffer.from(',"content_was_reasoning":true}\n\n');
/** Bytes a frame adds around its text: the lines' names, up to 16 digits of id, the JSON around it. */
const OVERHEAD = REASONING_ID.length + 16 + REASONING_DATA.length + MOVED_END.length;

/**
 * The output of every stream's reads, shared: a read's frames are written here and decoded into one
 * string before anything else runs (see `AnswerFrames`), so one buffer serves all streams and a stream
 * holds no buffer of its own between reads. It grows to the largest read seen.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Every frame of one answer on the browser wire, and the one place its event ids are numbered (1, 2,
 * 3… in the order written):
 * - content: `id: N\ndata: {"content":…}\n\n`, the seed's bytes;
 * - reasoning: `event: reasoning\nid: N\ndata: {"reasoning":…}\n\n` (no `content` key: a seed client
 *   that reads `.content` skips it); `"content_was_reasoning":true` marks the frame of a lone
 *   `</think>`, telling the page to move the answer's text so far into its reasoning;
 * - the end: `event: finish`, `event: error`, `data: [DONE]`, each with its id.
 *
 * Text frames are written as bytes and decoded once per network read: no string, frame or event object
 * per token (the relay's cost per token was those objects, bench/README.md). `take` must be called in
 * the same synchronous step as the writes, since the bytes live in memory every stream shares.
 */
export class AnswerFrames implements AnswerSink<Burst> {
  #seq = 0;
  #first = 1;
  #length = 0;

  /** The id of the last frame written. */
  get last(): number {
    return this.#seq;
  }

  contentLiteral(buf: Buffer, open: number, close: number): void {
    let at = this.#reserve(close - open + OVERHEAD);
    at = copy(DATA, this.#id(copy(ID, at)));
    // Tokens are a few bytes: a loop beats a native copy's call.
    for (let i = open; i < close; i++) scratch[at++] = buf[i]!;
    this.#length = copy(END, at);
  }

  reasoningLiteral(buf: Buffer, open: number, close: number): void {
    let at = this.#reserve(close - open + OVERHEAD);
    at = copy(REASONING_DATA, this.#id(copy(REASONING_ID, at)));
    for (let i = open; i < close; i++) scratch[at++] = buf[i]!;
    this.#length = copy(END, at);
  }

  content(text: string): void {
    const quoted = JSON.stringify(text);
    const at = copy(DATA, this.#id(copy(ID, this.#reserve(quoted.length * 3 + OVERHEAD))));
    this.#length = copy(END, at + scratch.write(quoted, at, "utf8"));
  }

  reasoning(text: string): void {
    this.#reasoning(text, END);
  }

  contentWasReasoning(text: string): void {
    this.#reasoning(text, MOVED_END);
  }

  /** A named event (`finish`, `error`, `history`: saving failed or works again) whose data is one line of JSON. */
  event(name: "finish" | "error" | "history", json: string): void {
    this.#text(formatEvent({ event: name, data: json, id: String(this.#seq + 1) }));
  }

  /** The seed's last event, `data: [DONE]`. */
  done(): void {
    this.#text(formatEvent({ data: "[DONE]", id: String(this.#seq + 1) }));
  }

  /** The frames written since the last take, as one string; undefined when there are none. */
  take(): Burst | undefined {
    if (this.#length === 0) return undefined;
    const burst: Burst = { text: scratch.toString("utf8", 0, this.#length), first: this.#first, last: this.#seq };
    this.#length = 0;
    this.#first = this.#seq + 1;
    return burst;
  }

  #reasoning(text: string, end: Buffer): void {
    const quoted = JSON.stringify(text);
    const at = copy(REASONING_DATA, this.#id(copy(REASONING_ID, this.#reserve(quoted.length * 3 + OVERHEAD))));
    this.#length = copy(end, at + scratch.write(quoted, at, "utf8"));
  }

  /** A whole frame already formatted (numbered with the next id by the caller). */
  #text(frame: string): void {
    this.#seq++;
    const at = this.#reserve(frame.length * 3);
    this.#length = at + scratch.write(frame, at, "utf8");
  }

  /** The next id's digits at `at`; returns where they end. */
  #id(at: number): number {
    const id = ++this.#seq;
    let digits = 1;
    for (let n = id; n >= 10; n = Math.floor(n / 10)) digits++;
    for (let n = id, i = at + digits - 1; i >= at; i--, n = Math.floor(n / 10)) scratch[i] = 48 + (n % 10);
    return at + digits;
  }

  /** Room for `bytes` more; returns where they go. */
  #reserve(bytes: number): number {
    const need = this.#length + bytes;
    if (need > scratch.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, scratch.length * 2));
      scratch.copy(grown, 0, 0, this.#length);
      scratch = grown;
    }
    return this.#length;
  }
}

function copy(what: Buffer, at: number): number {
  for (let i = 0; i < what.length; i++) scratch[at++] = what[i]!;
  return at;
}
