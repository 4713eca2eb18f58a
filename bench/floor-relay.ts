/**
 * The floor relays' shared part: Bun.serve, no validation, and the upstream's SSE rewritten at the
 * byte level: each `"content":"…"` JSON string is copied verbatim (JSON string escapes are the same
 * in and out) into `data: {"content":"…"}`, and `data: [DONE]` is passed on. How the upstream is
 * called is the only thing the two floors differ in (`floor.ts`: `fetch`; `floor-sdk.ts`: the openai
 * SDK, which the product must use). Bench-only; never ship this.
 */
const encoder = new TextEncoder();
const KEY = encoder.encode('"content":"');
const PREFIX = encoder.encode('data: {"content":"');
const SUFFIX = encoder.encode('"}\n\n');
const DONE = encoder.encode("data: [DONE]\n\n");
const DONE_LINE = encoder.encode("data: [DONE]");
const NL = 10;
const QUOTE = 34;
const BACKSLASH = 92;

/** Starts the upstream call for one chat; resolves with its streaming response. */
export type CallUpstream = (messages: unknown, signal: AbortSignal) => Promise<Response>;

/** Rewrites complete lines of `buf` into `out`; returns where the unfinished last line starts. */
function rewrite(buf: Buffer, out: Uint8Array[]): number {
  let start = 0;
  for (;;) {
    const nl = buf.indexOf(NL, start);
    if (nl === -1) return start;
    const line = buf.subarray(start, nl);
    start = nl + 1;
    if (line.length === DONE_LINE.length && line.equals(DONE_LINE)) {
      out.push(DONE);
      continue;
    }
    const k = line.indexOf(KEY);
    if (k === -1) continue;
    const from = k + KEY.length;
    let to = from;
    while (to < line.length && line[to] !== QUOTE) to += line[to] === BACKSLASH ? 2 : 1;
    if (to === from) continue; // the role chunk's empty content
    out.push(PREFIX, line.subarray(from, to), SUFFIX);
  }
}

/** Serves POST /api/chat on PORT (0: any) and prints `listening on <url>`. */
export function serveFloor(callUpstream: CallUpstream): void {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: Number(process.env.PORT ?? 0),
    idleTimeout: 0,
    routes: {
      "/api/chat": {
        POST: async (req) => {
          const { messages } = (await req.json()) as { messages: unknown };
          const abort = new AbortController();
          req.signal.addEventListener("abort", () => abort.abort(), { once: true });
          const res = await callUpstream(messages, abort.signal);
          const reader = res.body!.getReader();
          let rest: Buffer = Buffer.alloc(0);
          return new Response(
            new ReadableStream<Uint8Array>({
              async pull(controller) {
                for (;;) {
                  const { value, done } = await reader.read();
                  if (done) return controller.close();
                  const buf = rest.length ? Buffer.concat([rest, value]) : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
                  const out: Uint8Array[] = [];
                  const used = rewrite(buf, out);
                  rest = Buffer.from(buf.subarray(used));
                  if (out.length === 0) continue;
                  controller.enqueue(Buffer.concat(out));
                  return;
                }
              },
              cancel() {
                abort.abort();
              },
            }),
            { headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" } },
          );
        },
      },
    },
    fetch: () => new Response("not found", { status: 404 }),
  });

  console.log(`listening on ${server.url.href.replace(/\/$/, "")}`);
  process.on("SIGTERM", () => {
    void server.stop(true);
    process.exit(0);
  });
}
