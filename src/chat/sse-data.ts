/** One server-sent event as the upstream sent it: its `event` name (if any) and joined `data` lines. */
export interface UpstreamEvent {
  event: string | undefined;
  data: string;
}

/**
 * The upstream's SSE body → events. The openai SDK's own reader spends most of the relay's CPU (a
 * JavaScript loop over every byte to find line ends, then five async-generator layers per token:
 * bench/README.md), so we read the body ourselves with native string search. The SDK still builds
 * the request, retries it and turns HTTP errors into its typed errors. Per the SSE spec: lines end
 * in CRLF, LF or CR; `data:` lines of one event are joined with "\n"; one leading space is dropped;
 * comments and `id`/`retry` fields are ignored (an upstream's ids are not ours).
 */
export async function* readUpstreamEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<UpstreamEvent> {
  const decoder = new TextDecoder();
  const parser = new LineParser();
  for await (const chunk of body) yield* parser.feed(decoder.decode(chunk, { stream: true }), false);
  // At the end, a trailing CR is a line end after all. An event left open is dropped, as the spec says.
  yield* parser.feed(decoder.decode(), true);
}

class LineParser {
  #buffer = "";
  #data: string[] = [];
  #event: string | undefined;

  *feed(text: string, final: boolean): Generator<UpstreamEvent> {
    const buffer = this.#buffer + text;
    let start = 0;
    for (;;) {
      const lf = buffer.indexOf("\n", start);
      const cr = buffer.indexOf("\r", start);
      const end = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
      if (end === -1) break;
      // A CR at the very end may be the first half of a CRLF split across reads: wait for more.
      if (end === cr && cr === buffer.length - 1 && !final) break;
      const line = buffer.slice(start, end);
      start = end + (end === cr && buffer.charCodeAt(cr + 1) === 10 ? 2 : 1);
      const event = this.#line(line);
      if (event) yield event;
    }
    this.#buffer = buffer.slice(start);
  }

  #line(line: string): UpstreamEvent | undefined {
    if (line === "") {
      const data = this.#data;
      const event = this.#event;
      this.#data = [];
      this.#event = undefined;
      return data.length > 0 ? { event, data: data.length === 1 ? data[0]! : data.join("\n") } : undefined;
    }
    const colon = line.indexOf(":");
    if (colon === 0) return undefined;
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    else if (field === "event") this.#event = value;
    return undefined;
  }
}
