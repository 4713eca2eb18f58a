/**
 * What resumability costs per relayed event, in CPU: the same chats with the in-process store (the
 * default) and with REDIS_URL (every event also written to a Redis Stream), in alternating runs. Counts
 * the server's CPU and, with Redis, redis-server's too, from /proc/<pid>/stat. Not a timed test: a
 * measurement to read, bounded to well under a minute.
 *
 * Usage: bun bench/resume-cost.ts [repeats=3] [chats=400]   (needs Debian's redis-server)
 */
import { startChat } from "../test/support/chat-server.ts";
import { fakeText, startFakeOpenAI } from "../test/support/fake-openai.ts";
import { startRedis } from "../test/support/redis.ts";
import { postChat, readSse, userSays } from "../test/support/sse.ts";
import { cpuUs } from "./procs.ts";

const repeats = Number(process.argv[2] ?? 3);
const chats = Number(process.argv[3] ?? 400);
const TOKENS = 100;
const CONCURRENCY = 16;
const events = chats * (TOKENS + 2); // deltas, finish, [DONE]

const fake = startFakeOpenAI({ tokens: TOKENS });
const redis = await startRedis();
const expected = fakeText({ tokens: TOKENS });

async function load(url: string, n: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < n) {
        const s = await readSse(await postChat(url, userSays("hi")));
        if (!s.done || s.text !== expected) throw new Error(`bad answer: ${JSON.stringify(s.error ?? s.text)}`);
      }
    }),
  );
}

async function run(withRedis: boolean) {
  const env: Record<string, string> = { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: "sk-bench" };
  if (withRedis) env.REDIS_URL = redis.url;
  const chat = await startChat({ env });
  try {
    await load(chat.url, 40); // warm up: JIT, connection pool
    await Bun.sleep(300);
    const server0 = cpuUs(chat.proc.pid);
    const redis0 = cpuUs(redis.proc.pid);
    await load(chat.url, chats);
    await Bun.sleep(300); // let pipelined writes land before reading Redis' CPU
    return {
      withRedis,
      server: (cpuUs(chat.proc.pid) - server0) / events,
      redis: withRedis ? (cpuUs(redis.proc.pid) - redis0) / events : 0,
    };
  } finally {
    await chat.stop();
  }
}

const results: Awaited<ReturnType<typeof run>>[] = [];
for (let i = 0; i < repeats; i++) {
  for (const withRedis of i % 2 ? [true, false] : [false, true]) {
    const r = await run(withRedis);
    results.push(r);
    console.log(`${r.withRedis ? "redis " : "memory"}  server ${r.server.toFixed(2)} µs/event  redis-server ${r.redis.toFixed(2)} µs/event`);
  }
}

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const memory = median(results.filter((r) => !r.withRedis).map((r) => r.server));
const withRedis = median(results.filter((r) => r.withRedis).map((r) => r.server));
const redisServer = median(results.filter((r) => r.withRedis).map((r) => r.redis));
console.log(`\n${chats} chats of ${TOKENS} tokens a run, ${CONCURRENCY} at once, ${repeats} runs a mode (medians):`);
console.log(`in-process store: ${memory.toFixed(2)} µs of server CPU per event`);
console.log(`with Redis:       ${withRedis.toFixed(2)} µs server (+${(withRedis - memory).toFixed(2)}) and ${redisServer.toFixed(2)} µs in redis-server`);
console.log(`CPU is counted in 10 ms ticks: ±${((2 * 10_000) / events).toFixed(2)} µs/event of resolution`);

await fake.stop();
await redis.stop();
