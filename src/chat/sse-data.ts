/** One server-sent event as the upstream sent it: its `event` name (if any) and joined `data` lines, as bytes. */
export interface UpstreamEvent {
  event: string | undefined;
  /** A view into the body's bytes: valid until the next batch is read. */
  data: Buffer;
}

const LF = 10;
const CR = 13;
const COLON = 58;
const SPACE = 32;
const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from("\n");

/**
 * The upstream's SSE body → events, one batch per network read. The openai SDK's own reader spends
 * most of the relay's CPU (a JavaScript loop over every byte, a TextDecoder pass, then five
 * async-generator layers per token: bench/README.md), so we read the body ourselves: bytes, native
 * `indexOf`, no decoding (the chunk layer decodes only what it needs), and one await per read, not per
 * token. The SDK still builds the request, retries it and turns HTTP errors into its typed errors.
 * Per the SSE spec: lines end in CRLF, LF or CR; `data:` lines of one event are joined with "\n"; one
 * leading space is dropped; comments and `id`/`retry` fields are ignored (an upstream's ids are not ours).
 */
export async function* readUpstreamEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<UpstreamEvent[]> {
  const parser = new EventParser();
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const read = await reader.read();
      if (read.done) break;
      const events = parser.feed(read.value, false);
      if (events.length > 0) yield events;
    }
    done = true;
    // At the end, a trailing CR is a line end after all. An event left open is dropped, as the spec says.
    const events = parser.feed(EMPTY, true);
    if (events.length > 0) yield events;
  } finally {
    // Stopped early (Stop, a failure, a client gone): release the upstream connection now.
    if (!done) void reader.cancel().catch(() => {});
  }
}

class EventParser {
  #rest: Buffer = EMPTY;
  #data: Buffer[] = [];
  #event: string | undefined;

  feed(chunk: Uint8Array, final: boolean): UpstreamEvent[] {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: UpstreamEvent[] = [];
    if (this.#rest.length > 0) {
      // Finish the line the last read cut, copying only that line, not the whole read.
      const cut = afterFirstLineEnd(bytes);
      if (cut === -1) {
        bytes = Buffer.concat([this.#rest, bytes]);
      } else {
        // A CR ending `head` is known not to start a CRLF (the next byte is not LF): it ends the line.
        this.#scan(Buffer.concat([this.#rest, bytes.subarray(0, cut)]), true, out);
        bytes = bytes.subarray(cut);
      }
      this.#rest = EMPTY;
    }
    this.#scan(bytes, final, out);
    // What an event still open holds is copied: views handed out must not pin a whole read.
    if (this.#data.length > 0) this.#data = this.#data.map((d) => Buffer.from(d));
    return out;
  }

  #scan(buf: Buffer, final: boolean, out: UpstreamEvent[]): void {
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
      this.#line(buf, start, end, out);
      start = end + (end === cr && buf[cr + 1] === LF ? 2 : 1);
    }
    if (start < buf.length) this.#rest = Buffer.from(buf.subarray(start));
  }

  /** The line `buf[start, end)`. Offsets, not a view per line: a view is an object per line per token. */
  #line(buf: Buffer, start: number, end: number, out: UpstreamEvent[]): void {
    if (start === end) {
      const data = this.#data;
      if (data.length > 0) out.push({ event: this.#event, data: data.length === 1 ? data[0]! : joinLines(data) });
      this.#data = [];
      this.#event = undefined;
      return;
    }
    if (startsWithData(buf, start, end)) {
      const from = start + 5 + (buf[start + 5] === SPACE ? 1 : 0);
      this.#data.push(buf.subarray(from, end));
      return;
    }
    const colon = buf.indexOf(COLON, start);
    if (colon === start) return;
    const fieldEnd = colon === -1 || colon > end ? end : colon;
    const field = buf.toString("latin1", start, fieldEnd);
    if (field === "data") return void this.#data.push(EMPTY); // a bare `data` line is an empty data line
    if (field !== "event") return; // id, retry, unknown fields: ignored
    const from = fieldEnd + 1 + (buf[fieldEnd + 1] === SPACE && fieldEnd + 1 < end ? 1 : 0);
    this.#event = fieldEnd === end ? "" : buf.toString("utf8", from, end);
  }
}

const DATA = Buffer.from("data:");
function startsWithData(buf: Buffer, start: number, end: number): boolean {
  return end - start >= 5 && buf.compare(DATA, 0, 5, start, start + 5) === 0;
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
