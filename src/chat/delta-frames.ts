import type { Burst } from "../resume/burst.ts";

/** Frames of the answer, ready for its log and its readers. */
export interface FrameBurst extends Burst {
  type: "frames";
}

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
 * string before anything else runs (see `DeltaFrames`), so one buffer serves all streams and a stream
 * holds no buffer of its own between reads. It grows to the largest read seen.
 */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * The seed's delta frames of one network read, `id: N\ndata: {"content":…}\n\n` each, and reasoning
 * frames, `event: reasoning\nid: N\ndata: {"reasoning":…}\n\n` (no `content` key: a seed client that
 * reads `.content` skips them), numbered from 1 across the answer, written as bytes and decoded once per read: no string, frame or event object per
 * token (the relay's cost per token was those objects, bench/README.md). `take` must be called in the
 * same synchronous step as the writes, since the bytes live in memory every stream shares.
 */
export class DeltaFrames {
  #seq = 0;
  #first = 1;
  #length = 0;

  /** The id of the last frame written. */
  get last(): number {
    return this.#seq;
  }

  /** A frame for the JSON string literal `buf[open, close)` (quotes included), copied as it is. */
  addLiteral(buf: Buffer, open: number, close: number): void {
    let at = this.#reserve(close - open + OVERHEAD);
    at = copy(DATA, this.#id(copy(ID, at)));
    // Tokens are a few bytes: a loop beats a native copy's call.
    for (let i = open; i < close; i++) scratch[at++] = buf[i]!;
    this.#length = copy(END, at);
  }

  /** A reasoning frame for the JSON string literal `buf[open, close)`, copied as it is. */
  addReasoningLiteral(buf: Buffer, open: number, close: number): void {
    let at = this.#reserve(close - open + OVERHEAD);
    at = copy(REASONING_DATA, this.#id(copy(REASONING_ID, at)));
    for (let i = open; i < close; i++) scratch[at++] = buf[i]!;
    this.#length = copy(END, at);
  }

  /** A frame for a JSON string literal already decoded (from a chunk that had to be parsed). */
  addQuoted(quoted: string): void {
    const at = copy(DATA, this.#id(copy(ID, this.#reserve(quoted.length * 3 + OVERHEAD))));
    this.#length = copy(END, at + scratch.write(quoted, at, "utf8"));
  }

  /**
   * A reasoning frame for a JSON string literal. `contentWasReasoning` marks the frame that tells the
   * browser to move the answer's content so far into its reasoning (a lone `</think>`).
   */
  addReasoningQuoted(quoted: string, contentWasReasoning = false): void {
    const at = copy(REASONING_DATA, this.#id(copy(REASONING_ID, this.#reserve(quoted.length * 3 + OVERHEAD))));
    this.#length = copy(contentWasReasoning ? MOVED_END : END, at + scratch.write(quoted, at, "utf8"));
  }

  /** The frames written since the last take, as one string; undefined when there are none. */
  take(): FrameBurst | undefined {
    if (this.#length === 0) return undefined;
    const burst: FrameBurst = { type: "frames", text: scratch.toString("utf8", 0, this.#length), first: this.#first, last: this.#seq };
    this.#length = 0;
    this.#first = this.#seq + 1;
    return burst;
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
