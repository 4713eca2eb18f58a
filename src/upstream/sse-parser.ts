/**
 * Receives the upstream's events as they complete: `event` per event, then `endOfRead` once a network
 * read's events are all in. The data of an event is the bytes `data[start, end)`, valid only during the
 * call (a view of the read, no copy and no object per event). `endOfRead` runs in the same synchronous
 * step as the read's events, so a sink may build its result in memory shared with other streams.
 */
export interface EventSink<T> {
  /** One event: its `event` name (undefined when none) and its joined `data` lines. */
  event(name: string | undefined, data: Buffer, start: number, end: number): void;
  /** What this read's events became; yielded by `readUpstreamEvents`. */
  endOfRead(): T;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from("\n");

/**
 * The upstream's SSE body → events, delivered to `sink`; yields `sink.endOfRead()` once per network
 * read that completed an event. The openai SDK's own reader spends most of the relay's CPU (a
 * JavaScript loop over every byte, a TextDecoder pass, then five async-generator layers per token:
 * bench/README.md), so we read the body ourselves: bytes, native `indexOf`, no decoding (the sink
 * decodes only what it needs), and one await per read, not per token. The SDK still builds the
 * request, retries it and turns HTTP errors into its typed errors.
 * Per the SSE spec: lines end in CRLF, LF or CR; `data:` lines of one event are joined with "\n"; one
 * leading space is dropped; comments and `id`/`retry` fields are ignored (an upstream's ids are not ours).
 */
export async function* readUpstreamEvents<T>(body: ReadableStream<Uint8Array>, sink: EventSink<T>): AsyncGenerator<T> {
  const parser = new EventParser(sink);
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const read = await reader.read();
      if (read.done) break;
      if (parser.feed(read.value, false) > 0) yield sink.endOfRead();
    }
    done = true;
    // At the end, a trailing CR is a line end after all. An event left open is dropped, as the spec says.
    if (parser.feed(EMPTY, true) > 0) yield sink.endOfRead();
  } finally {
    // Stopped early (Stop, a failure, a client gone): release the upstream connection now.
    if (!done) void reader.cancel().catch(() => {});
  }
}

class EventParser {
  readonly #sink: EventSink<unknown>;
  #rest: Buffer = EMPTY;
  #event: string | undefined;
  /** The open event's data while it is one line: a view `#one[#from, #to)` (the common case). */
  #one: Buffer | undefined;
  #from = 0;
  #to = 0;
  /** Its data lines once there are several (copies: they outlive the read). */
  #lines: Buffer[] = [];
  #dispatched = 0;

  constructor(sink: EventSink<unknown>) {
    this.#sink = sink;
  }

  /** Parses one read; returns how many events it completed. */
  feed(chunk: Uint8Array, final: boolean): number {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#dispatched = 0;
    if (this.#rest.length > 0) {
      // Finish the line the last read cut, copying only that line, not the whole read.
      const cut = afterFirstLineEnd(bytes);
      if (cut === -1) {
        bytes = Buffer.concat([this.#rest, bytes]);
      } else {
        // A CR ending `head` is known not to start a CRLF (the next byte is not LF): it ends the line.
        this.#scan(Buffer.concat([this.#rest, bytes.subarray(0, cut)]), true);
        bytes = bytes.subarray(cut);
      }
      this.#rest = EMPTY;
    }
    this.#scan(bytes, final);
    return this.#dispatched;
  }

  #scan(buf: Buffer, final: boolean): void {
    let start = 0;
    // Upstreams almost never send CR: one search per read finds none, and the loop looks for LF alone.
    let cr = buf.indexOf(CR);
    for (;;) {
      if (cr !== -1 && cr < start) cr = buf.indexOf(CR, start);
      const lf = buf.indexOf(LF, start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) break;
      // A CR at the very end may be the first half of a CRLF split across reads: wait for more.
      if (end === cr && cr === buf.length - 1 && !final) break;
      this.#line(buf, start, end);
      start = end + (end === cr && buf[cr + 1] === LF ? 2 : 1);
      // An event's empty line, seen without a search (a search per line was a third of them).
      if (buf[start] === LF && end === lf) {
        this.#dispatch();
        start++;
      }
    }
    if (start < buf.length) this.#rest = Buffer.from(buf.subarray(start));
    // What an event still open holds is copied: a view must not outlive the read it points into.
    if (this.#one === buf) {
      this.#one = Buffer.from(buf.subarray(this.#from, this.#to));
      this.#from = 0;
      this.#to = this.#one.length;
    }
  }

  /** The line `buf[start, end)`. Offsets, not a view per line: a view is an object per line per token. */
  #line(buf: Buffer, start: number, end: number): void {
    if (start === end) return this.#dispatch();
    if (isDataLine(buf, start, end)) {
      const from = start + 5 + (buf[start + 5] === SPACE ? 1 : 0);
      return this.#data(buf, from, end);
    }
    const colon = buf.indexOf(COLON, start);
    if (colon === start) return;
    const fieldEnd = colon === -1 || colon > end ? end : colon;
    const field = buf.toString("latin1", start, fieldEnd);
    if (field === "data") return this.#data(EMPTY, 0, 0); // a bare `data` line is an empty data line
    if (field !== "event") return; // id, retry, unknown fields: ignored
    const from = fieldEnd + 1 + (buf[fieldEnd + 1] === SPACE && fieldEnd + 1 < end ? 1 : 0);
    this.#event = fieldEnd === end ? "" : buf.toString("utf8", from, end);
  }

  #data(buf: Buffer, from: number, to: number): void {
    if (this.#one === undefined && this.#lines.length === 0) {
      this.#one = buf;
      this.#from = from;
      this.#to = to;
      return;
    }
    if (this.#one !== undefined) {
      this.#lines.push(Buffer.from(this.#one.subarray(this.#from, this.#to)));
      this.#one = undefined;
    }
    this.#lines.push(Buffer.from(buf.subarray(from, to)));
  }

  #dispatch(): void {
    const one = this.#one;
    if (one !== undefined) {
      this.#one = undefined;
      this.#sink.event(this.#event, one, this.#from, this.#to);
      this.#dispatched++;
    } else if (this.#lines.length > 0) {
      const data = joinLines(this.#lines);
      this.#lines = [];
      this.#sink.event(this.#event, data, 0, data.length);
      this.#dispatched++;
    }
    this.#event = undefined;
  }
}

/** `data:` at `buf[start]`, compared byte by byte: a native compare per line costs more than it does. */
function isDataLine(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 5 && buf[start] === 100 && buf[start + 1] === 97 && buf[start + 2] === 116 && buf[start + 3] === 97 && buf[start + 4] === COLON;
}

/** Where the first line of `bytes` ends (after its terminator), or -1 when there is none yet. */
function afterFirstLineEnd(bytes: Buffer): number {
  const lf = bytes.indexOf(LF);
  const cr = bytes.indexOf(CR);
  if (cr !== -1 && (lf === -1 || cr < lf)) {
    if (cr === bytes.length - 1) return -1; // maybe half a CRLF: wait for the next read
    return cr + 1 + (bytes[cr + 1] === LF ? 1 : 0);
  }
  return lf === -1 ? -1 : lf + 1;
}

function joinLines(lines: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  lines.forEach((l, i) => (i === 0 ? parts.push(l) : parts.push(NEWLINE, l)));
  return Buffer.concat(parts);
}
