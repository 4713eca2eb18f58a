/**
 * What tracing costs the server per request, in CPU: the same chats against the fake upstream with
 * tracing off, then on (exporting OTLP/protobuf to a local receiver), in alternating runs. The
 * server's CPU comes from /proc/<pid>/stat (user + system, all threads), read after the load and a
 * pause long enough for the batch processor to export what it queued, so export cost is counted.
 * Not a timed test: a measurement to read, bounded to well under a minute.
 *
 * Usage: bun bench/tracing-cost.ts [repeats=3] [requests=600]
 * BENCH_ENV='{"OTEL_TRACES_SAMPLER":"always_off"}' adds env to the traced runs: with that one, the
 * tracer calls and traceparent injection run but nothing is recorded or exported.
 */
import { startChat } from "../test/support/chat-server.ts";
import { fakeText, startFakeOpenAI } from "../test/support/fake-openai.ts";
import { postChat, readSse, userSays } from "../test/support/sse.ts";
import { startOtlpReceiver } from "../test/telemetry/otlp-receiver.ts";
import { cpuUs as cpuMicros } from "./procs.ts";

const repeats = Number(process.argv[2] ?? 3);
const requests = Number(process.argv[3] ?? 600);
const sequential = Math.round(requests / 4);
const concurrency = 16;
const TOKENS = 20;
// Linux reports process CPU in clock ticks; 100 a second on every kernel Bun supports.
const TICK_US = 10_000;

const fake = startFakeOpenAI({ tokens: TOKENS });
const receiver = startOtlpReceiver();
const expected = fakeText({ tokens: TOKENS });

async function chatOnce(url: string) {
  const s = await readSse(await postChat(url, userSays("hi")));
  if (!s.done || s.text !== expected) throw new Error(`bad answer: ${JSON.stringify(s.error ?? s.text)}`);
}

async function load(url: string, n: number) {
  for (let i = 0; i < sequential && i < n; i++) await chatOnce(url);
  let next = sequential;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < n) await chatOnce(url);
    }),
  );
}

async function run(tracing: boolean) {
  const env: Record<string, string> = { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: "sk-bench" };
  if (tracing) Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: "200" }, JSON.parse(process.env.BENCH_ENV ?? "{}"));
  const chat = await startChat({ env });
  try {
    await load(chat.url, 50); // warm up: JIT, connection pool
    await Bun.sleep(400);
    const spansBefore = receiver.spans.length;
    const cpu0 = cpuMicros(chat.proc.pid);
    const t0 = performance.now();
    await load(chat.url, requests);
    const wallMs = performance.now() - t0;
    await Bun.sleep(600); // let the batch processor export (and an idle server settle) in both modes
    const cpu = cpuMicros(chat.proc.pid) - cpu0;
    return { tracing, usPerRequest: cpu / requests, reqPerSec: (requests / wallMs) * 1000, spans: receiver.spans.length - spansBefore };
  } finally {
    await chat.stop();
  }
}

const results: Awaited<ReturnType<typeof run>>[] = [];
const started = performance.now();
for (let i = 0; i < repeats; i++) {
  // Alternate the order so a neighbour's burst on the shared cores does not always hit one mode.
  for (const tracing of i % 2 ? [true, false] : [false, true]) {
    const r = await run(tracing);
    results.push(r);
    console.log(`${r.tracing ? "on " : "off"}  ${r.usPerRequest.toFixed(0).padStart(6)} µs CPU/request  ${r.reqPerSec.toFixed(0).padStart(5)} req/s  ${r.spans} spans exported`);
  }
}

const summary = (tracing: boolean) => {
  const xs = results.filter((r) => r.tracing === tracing).map((r) => r.usPerRequest).sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)]!, min: xs[0]!, max: xs.at(-1)! };
};
const off = summary(false);
const on = summary(true);
console.log(
  `\n${requests} chats a run (${sequential} one by one, the rest ${concurrency} at once), ${TOKENS} tokens each, ${repeats} runs a mode, ${((performance.now() - started) / 1000).toFixed(1)} s in all`,
);
console.log(`off: median ${off.median.toFixed(0)} µs/request (${off.min.toFixed(0)}–${off.max.toFixed(0)})`);
console.log(`on:  median ${on.median.toFixed(0)} µs/request (${on.min.toFixed(0)}–${on.max.toFixed(0)})`);
console.log(`tracing adds ${(on.median - off.median).toFixed(0)} µs/request (${(((on.median - off.median) / off.median) * 100).toFixed(1)} %) at the medians`);
console.log(`process CPU is counted in ${TICK_US / 1000} ms ticks: ±${((2 * TICK_US) / requests).toFixed(0)} µs/request of resolution`);

await fake.stop();
await receiver.stop();
