/**
 * What the openai SDK costs per request, next to a bare `fetch`, in one process: a local Bun server
 * answers a 48 KB SSE body (200 events), read through `getReader()` as the relay reads it. CPU is the
 * whole process (client + server), so only the difference between the two lines means anything.
 *
 * Usage: bun bench/sdk-cost.ts [requests]   (default 2,000 a round, two rounds; 127.0.0.1 only)
 */
import OpenAI from "openai";

const requests = Number(process.argv[2] ?? 2000);
const body = `data: ${"x".repeat(240)}\n\n`.repeat(200);
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body, { headers: { "content-type": "text/event-stream" } }) });
const baseURL = `http://127.0.0.1:${server.port}/v1`;
const client = new OpenAI({ apiKey: "bench", baseURL, timeout: 60_000, maxRetries: 2 });
const params = { model: "m", messages: [{ role: "user" as const, content: "hello" }], stream: true as const, stream_options: { include_usage: true } };

async function drain(res: Response): Promise<void> {
  const reader = res.body!.getReader();
  while (!(await reader.read()).done);
}
const viaFetch = async () =>
  drain(await fetch(`${baseURL}/chat/completions`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer bench" }, body: JSON.stringify(params), signal: new AbortController().signal }));
const viaSdk = async () => drain(await client.chat.completions.create(params, { signal: new AbortController().signal }).asResponse());

for (let round = 1; round <= 2; round++) {
  for (const [name, once] of [["fetch", viaFetch], ["openai SDK", viaSdk]] as const) {
    for (let i = 0; i < 200; i++) await once(); // warm the JIT and the connection pool
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < requests; i++) await once();
    const cpu = process.cpuUsage(cpu0);
    console.log(`round ${round} ${name.padEnd(10)} ${((performance.now() - t0) / requests * 1000).toFixed(0)} µs wall, ${((cpu.user + cpu.system) / requests).toFixed(0)} µs CPU per request`);
  }
}
void server.stop(true);
