/**
 * A lean fake OpenAI upstream for the benchmark: raw sockets (Bun.listen) and HTTP/1.1 by hand, so
 * 10,000 open streams cost a small object each and ONE shared timer per delay value, not a
 * ReadableStream and a sleep per stream. It speaks the same wire format as test/support/fake-openai.ts
 * (role chunk, content chunks, finish chunk, usage chunk, `data: [DONE]`) with the same tokens, read
 * from the same `[fake tokens=N delay=MS first=MS]` directive, so `fakeText()` is the expected answer.
 *
 * Usage: bun bench/upstream.ts  → prints `listening <port>` on stdout, serves until SIGTERM.
 */
import type { Socket } from "bun";
import { fakeTokens } from "../test/support/fake-openai.ts";

interface Conn {
  /** Bytes of the request being read (latin1 text: the directive and lengths are ASCII). */
  input: string;
  /** Bytes the kernel did not take yet; sent on drain, in order. */
  pending: Uint8Array[];
  stream: Stream | undefined;
}

interface Stream {
  socket: Socket<Conn>;
  frames: Uint8Array[];
  next: number;
  /** performance.now() before which the first token must not go (the `first` directive). */
  notBefore: number;
}

const HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nx-request-id: req_bench\r\nTransfer-Encoding: chunked\r\n\r\n";
const encoder = new TextEncoder();

/** Every frame of one answer, already chunk-encoded; shared by all streams with the same token count. */
const answers = new Map<number, { frames: Uint8Array[]; whole: Uint8Array }>();
function answer(tokens: number) {
  let a = answers.get(tokens);
  if (a) return a;
  const id = "chatcmpl-bench";
  const created = Math.floor(Date.now() / 1000);
  const model = "gpt-fake";
  const chunk = (choices: unknown[], usage: unknown = null) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_fake", choices, usage })}\n\n`;
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
  const frame = (s: string) => `${s.length.toString(16)}\r\n${s}\r\n`;
  const texts = fakeTokens({ tokens, text: "" });
  const parts = [
    HEAD + frame(delta({ role: "assistant", content: "", refusal: null })),
    ...texts.map((t) => frame(delta({ content: t }))),
    frame(delta({}, "stop")) +
      frame(chunk([], { prompt_tokens: 9, completion_tokens: texts.length, total_tokens: 9 + texts.length })) +
      frame("data: [DONE]\n\n") +
      "0\r\n\r\n",
  ];
  const frames = parts.map((p) => encoder.encode(p));
  a = { frames, whole: encoder.encode(parts.join("")) };
  answers.set(tokens, a);
  return a;
}

function send(socket: Socket<Conn>, bytes: Uint8Array): void {
  const { pending } = socket.data;
  if (pending.length > 0) {
    pending.push(bytes);
    return;
  }
  const n = socket.write(bytes);
  if (n < bytes.byteLength) pending.push(bytes.subarray(Math.max(0, n)));
}

/** One interval per delay value (50 ms for all 10,000 streams of the N test). */
const tickers = new Map<number, { streams: Set<Stream>; timer: ReturnType<typeof setInterval> }>();
function schedule(stream: Stream, delay: number): void {
  let t = tickers.get(delay);
  if (!t) {
    const streams = new Set<Stream>();
    const timer = setInterval(() => {
      const now = performance.now();
      for (const s of streams) {
        if (s.notBefore > now) continue;
        send(s.socket, s.frames[s.next++]!);
        if (s.next === s.frames.length) finishStream(s, streams);
      }
    }, delay);
    t = { streams, timer };
    tickers.set(delay, t);
  }
  t.streams.add(stream);
}

function finishStream(s: Stream, streams: Set<Stream>): void {
  streams.delete(s);
  if (s.socket.data.stream === s) s.socket.data.stream = undefined;
  // Read the next request on this keep-alive connection, if one arrived meanwhile.
  if (s.socket.data.input) handleInput(s.socket);
}

function respond(socket: Socket<Conn>, head: string, body: string): void {
  const d = /\[fake ([^\]]*)\]/.exec(body)?.[1] ?? "";
  const num = (k: string, fallback: number) => {
    const m = new RegExp(`(?:^|\\s)${k}=(\\d+)`).exec(d);
    return m ? Number(m[1]) : fallback;
  };
  const tokens = num("tokens", 5);
  const delay = num("delay", 0);
  const first = num("first", 0);
  const a = answer(tokens);
  if (!/^POST \/v1\/chat\/completions /.test(head)) {
    send(socket, encoder.encode("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"));
    return;
  }
  if (delay === 0 && first === 0) {
    send(socket, a.whole);
    return;
  }
  // Role chunk now (headers at once, as OpenAI does), then one frame per tick.
  send(socket, a.frames[0]!);
  const stream: Stream = { socket, frames: a.frames, next: 1, notBefore: performance.now() + first };
  socket.data.stream = stream;
  schedule(stream, Math.max(1, delay));
}

function handleInput(socket: Socket<Conn>): void {
  const c = socket.data;
  while (!c.stream) {
    const end = c.input.indexOf("\r\n\r\n");
    if (end === -1) return;
    const head = c.input.slice(0, end);
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    if (c.input.length < end + 4 + length) return;
    const body = c.input.slice(end + 4, end + 4 + length);
    c.input = c.input.slice(end + 4 + length);
    respond(socket, head, body);
  }
}

const server = Bun.listen<Conn>({
  hostname: "127.0.0.1",
  port: Number(process.env.PORT ?? 0),
  socket: {
    open(socket) {
      socket.data = { input: "", pending: [], stream: undefined };
    },
    data(socket, data) {
      socket.data.input += data.toString("latin1");
      handleInput(socket);
    },
    drain(socket) {
      const { pending } = socket.data;
      while (pending.length > 0) {
        const bytes = pending[0]!;
        const n = socket.write(bytes);
        if (n < bytes.byteLength) {
          pending[0] = bytes.subarray(Math.max(0, n));
          return;
        }
        pending.shift();
      }
    },
    close(socket) {
      const s = socket.data.stream;
      if (s) for (const t of tickers.values()) t.streams.delete(s);
    },
    error() {},
  },
});

console.log(`listening ${server.port}`);
process.on("SIGTERM", () => {
  server.stop(true);
  process.exit(0);
});
