/**
 * The load client: raw keep-alive sockets (Bun.connect) and HTTP/1.1 by hand, so 10,000 streams cost
 * no fetch queue (Bun's fetch runs 256 at once without BUN_CONFIG_MAX_HTTP_REQUESTS) and little CPU.
 * It speaks to the relays (`/api/chat`, `data: {"content":…}`) and to the upstream directly
 * (`/v1/chat/completions`, OpenAI chunks), checks every answer's exact text and `[DONE]`, and
 * prints one JSON line of results, including its own CPU time so a table shows when it is the limit.
 *
 * Usage: bun bench/client.ts '<json Job>'
 * Assumes ASCII answers (the fake's tokens are): bytes are read as latin1.
 */
import type { Socket } from "bun";
import { fakeText } from "../test/support/fake-openai.ts";
import { percentile } from "./report.ts";

export interface Job {
  /** http://127.0.0.1:port */
  url: string;
  /** "relay" → POST /api/chat; "direct" → POST /v1/chat/completions. */
  kind: "relay" | "direct";
  /** Concurrent connections. */
  concurrency: number;
  /** Requests in all (each connection runs its share back to back). */
  requests: number;
  /** Stop starting new requests after this long (ms); open ones finish. */
  durationMs: number;
  /** Give up on everything after this long (ms). */
  timeoutMs: number;
  tokens: number;
  delay: number;
  /** Connections opened per batch while ramping up (the listen backlog is finite). */
  rampBatch?: number;
}

export interface Result {
  ok: number;
  failed: number;
  failures: Record<string, number>;
  events: number;
  wallMs: number;
  /** Time to first token of every request, ms. */
  ttft: number[];
  /** Percentiles of the gap between consecutive content events of one stream, ms. */
  gap: { p50: number; p99: number; max: number };
  /** Each stream's longest gap, ms: p50 and p99 over the streams (bursts make the plain gap p50 0). */
  worstGap: { p50: number; p99: number };
  /** This process's CPU time during the run, µs. */
  cpuUs: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const expected = fakeText({ tokens: job.tokens });
const directive = `[fake tokens=${job.tokens} delay=${job.delay} first=0]`;
const messages = [{ role: "user", content: `Benchmark. ${directive}` }];
const body = job.kind === "relay" ? JSON.stringify({ messages }) : JSON.stringify({ model: "gpt-fake", messages, stream: true });
const { host } = new URL(job.url);
const path = job.kind === "relay" ? "/api/chat" : "/v1/chat/completions";
const request = Buffer.from(
  `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  "latin1",
);

// Gaps in a fixed histogram (0.1 ms buckets to 60 s): 2,000,000 gaps of the 10k test cost no memory.
const GAP_BUCKETS = 600_000;
const gaps = new Uint32Array(GAP_BUCKETS + 1);
let gapCount = 0;
let gapMax = 0;
const ttft: number[] = [];
const worstGaps: number[] = [];
const failures: Record<string, number> = {};
let ok = 0;
let failed = 0;
let events = 0;
let started = 0;
/** Responses whose head has arrived. */
let heads = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();

const fail = (why: string) => {
  failed++;
  failures[why] = (failures[why] ?? 0) + 1;
};

/** One request on one connection: head, chunked body, SSE lines, in whatever pieces TCP brings. */
class Exchange {
  sentAt = performance.now();
  worstGap = 0;
  lastEvent = 0;
  head = true;
  chunked = false;
  status = 0;
  length = 0;
  /** Bytes left in the current chunk, or -1 while reading a chunk-size line. */
  chunkLeft = -1;
  raw = "";
  sse = "";
  text = "";
  done = false;
  error = "";
  eventName = "";

  /** Feeds bytes; returns leftover input once the response is complete, else undefined. */
  feed(input: string): string | undefined {
    this.raw += input;
    if (this.head) {
      const end = this.raw.indexOf("\r\n\r\n");
      if (end === -1) return undefined;
      const head = this.raw.slice(0, end);
      this.status = Number(head.slice(9, 12));
      heads++;
      this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(head);
      this.raw = this.raw.slice(end + 4);
      this.head = false;
      this.length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    }
    if (!this.chunked) {
      // A whole body with Content-Length: an error answer, or a stream Bun finished before the headers left.
      if (this.raw.length < this.length) return undefined;
      const rest = this.raw.slice(this.length);
      if (this.status === 200) this.sse += this.raw.slice(0, this.length);
      else this.error ||= `HTTP ${this.status}: ${this.raw.slice(0, 100).replace(/\s+/g, " ")}`;
      this.sseLines(true);
      return rest;
    }
    for (;;) {
      if (this.chunkLeft === -1) {
        const eol = this.raw.indexOf("\r\n");
        if (eol === -1) break;
        const size = parseInt(this.raw.slice(0, eol), 16);
        if (size === 0) {
          if (this.raw.length < eol + 4) break;
          this.sseLines(true);
          return this.raw.slice(eol + 4);
        }
        this.raw = this.raw.slice(eol + 2);
        this.chunkLeft = size;
      }
      if (this.chunkLeft > 0) {
        if (this.raw.length === 0) break;
        const take = Math.min(this.chunkLeft, this.raw.length);
        this.sse += this.raw.slice(0, take);
        this.raw = this.raw.slice(take);
        this.chunkLeft -= take;
        if (this.chunkLeft > 0) break;
      }
      // chunkLeft === 0: the CRLF after a chunk's data.
      if (this.raw.length < 2) break;
      this.raw = this.raw.slice(2);
      this.chunkLeft = -1;
    }
    this.sseLines(false);
    return undefined;
  }

  sseLines(final: boolean): void {
    let nl: number;
    let now = 0;
    while ((nl = this.sse.indexOf("\n")) !== -1) {
      const line = this.sse.slice(0, nl);
      this.sse = this.sse.slice(nl + 1);
      if (line === "") {
        this.eventName = "";
        continue;
      }
      if (line.startsWith("event: ")) {
        this.eventName = line.slice(7);
        continue;
      }
      if (!line.startsWith("data: ")) continue;
      if (this.eventName === "error") {
        this.error ||= `event: error ${line.slice(6, 120)}`;
        continue;
      }
      if (line === "data: [DONE]") {
        this.done = true;
        continue;
      }
      const content = extractContent(line);
      if (!content) continue;
      now ||= performance.now();
      if (this.lastEvent === 0) ttft.push(now - this.sentAt);
      else {
        recordGap(now - this.lastEvent);
        this.worstGap = Math.max(this.worstGap, now - this.lastEvent);
      }
      this.lastEvent = now;
      this.text += content;
      events++;
    }
    if (final && this.sse) this.error ||= "trailing bytes";
  }

  outcome(): string | undefined {
    if (this.error) return this.error;
    if (this.status !== 200) return `HTTP ${this.status}`;
    if (!this.done) return "no [DONE]";
    if (this.text !== expected) return "wrong text";
    return undefined;
  }
}

/** The `"content":"…"` string of a data line, decoded; "" when absent or empty. */
function extractContent(line: string): string {
  const k = line.indexOf('"content":"');
  if (k === -1) return "";
  const from = k + 11;
  let to = from;
  let escaped = false;
  while (to < line.length && line.charCodeAt(to) !== 34) {
    if (line.charCodeAt(to) === 92) {
      escaped = true;
      to++;
    }
    to++;
  }
  const s = line.slice(from, to);
  return escaped ? (JSON.parse(`"${s}"`) as string) : s;
}

function recordGap(ms: number): void {
  gaps[Math.min(GAP_BUCKETS, Math.round(ms * 10))]!++;
  gapCount++;
  if (ms > gapMax) gapMax = ms;
}

function gapPercentile(p: number): number {
  let want = Math.ceil(gapCount * p);
  for (let i = 0; i <= GAP_BUCKETS; i++) {
    want -= gaps[i]!;
    if (want <= 0) return i / 10;
  }
  return gapMax;
}

interface Conn {
  exchange: Exchange | undefined;
  leftover: string;
}

const { promise: allDone, resolve: finished } = Promise.withResolvers<void>();
let over = false;
void allDone.then(() => (over = true));
let open = 0;
let ramping = true;

function startNext(socket: Socket<Conn>): boolean {
  const late = performance.now() - t0 > job.durationMs;
  if (started >= job.requests || late) return false;
  started++;
  socket.data.exchange = new Exchange();
  socket.write(request);
  return true;
}

function settle(socket: Socket<Conn>, why?: string): void {
  const ex = socket.data.exchange;
  if (!ex) return;
  socket.data.exchange = undefined;
  const problem = why ?? ex.outcome();
  if (ex.lastEvent > 0) worstGaps.push(ex.worstGap);
  if (problem) fail(problem);
  else ok++;
}

function closed(): void {
  open--;
  if (open === 0 && !ramping) finished();
}

async function connect(): Promise<void> {
  const { port, hostname } = new URL(job.url);
  open++;
  try {
    await Bun.connect<Conn>({
      hostname,
      port: Number(port),
      data: { exchange: undefined, leftover: "" },
      socket: {
        open(socket) {
          if (!startNext(socket)) socket.end();
        },
        data(socket, data) {
          let input: string | undefined = data.toString("latin1");
          while (input !== undefined && socket.data.exchange) {
            const rest = socket.data.exchange.feed(input);
            if (rest === undefined) return;
            settle(socket);
            input = rest;
            if (!startNext(socket)) {
              socket.end();
              return;
            }
          }
        },
        close(socket) {
          const ex = socket.data.exchange;
          settle(socket, ex?.head ? "connection closed before the response head" : `connection closed mid-answer (HTTP ${ex?.status}, ${ex?.text.length} chars in)`);
          closed();
        },
        error(socket, err) {
          settle(socket, `socket error: ${err.message}`);
        },
        connectError(_socket, err) {
          fail(`connect: ${err.message}`);
          closed();
        },
      },
    });
  } catch (err) {
    fail(`connect: ${(err as Error).message}`);
    closed();
  }
}

// The deadline counts from the start, ramp-up included: a server too busy to accept stalls the ramp too.
const timeout = setTimeout(() => finished(), job.timeoutMs);
const batch = job.rampBatch ?? 500;
for (let i = 0; i < job.concurrency && performance.now() - t0 < job.timeoutMs; i += batch) {
  const size = Math.min(batch, job.concurrency - i);
  await Promise.race([Promise.all(Array.from({ length: size }, connect)), allDone]);
  // The next batch waits for this one's response heads (up to 5 s): a connection is "open" for us once
  // the kernel has it, long before a busy server accepts it, and the harness should not be what
  // overflows the server's listen queue (SYN-cookie resets, seen as "connection closed before the
  // response head"). A server whose core is saturated still overflows it (bench/README.md).
  for (const until = performance.now() + 5000; heads + failed < i + size && performance.now() < until && !over; ) await Bun.sleep(5);
}
ramping = false;
if (open === 0) finished();
await allDone;
clearTimeout(timeout);
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const unfinished = Math.max(0, started - ok - failed);
if (unfinished > 0) failures["unfinished at timeout"] = unfinished;
const result: Result = {
  ok,
  failed: failed + unfinished,
  failures,
  events,
  wallMs,
  ttft,
  gap: { p50: gapPercentile(0.5), p99: gapPercentile(0.99), max: gapMax },
  worstGap: { p50: percentile(worstGaps, 0.5), p99: percentile(worstGaps, 0.99) },
  cpuUs: cpu.user + cpu.system,
};
console.log(JSON.stringify(result));
process.exit(0);
