import { RedisClient } from "bun";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { startRedis, type RedisServer } from "../support/redis.ts";
import { lastEventId, postChat, readSse, readThenDrop, resume, userSays } from "../support/sse.ts";

let fake: FakeOpenAI;
let redis: RedisServer;
let a: ChatServer;
let b: ChatServer;

const env = () => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, REDIS_URL: redis.url, CHAT_RESUME_GRACE_S: "2" });

beforeAll(async () => {
  if (!Bun.which("redis-server")) throw new Error("redis-server is not installed: apt-get install redis-server (.ci/run does)");
  fake = startFakeOpenAI();
  redis = await startRedis();
  [a, b] = await Promise.all([startChat({ env: env() }), startChat({ env: env() })]);
}, 30_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await fake?.stop();
}, 30_000);

describe("two instances sharing Redis", () => {
  test.each([1, 9, 25])("an answer started on A and cut after %d events resumes exactly on B", async (cut) => {
    const spec = { tokens: 30, delay: 10 };
    const controller = new AbortController();
    const res = await postChat(a.url, userSays(directive(spec)), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    const first = await readThenDrop(res, cut, controller);
    const rest = await readSse(await resume(b.url, id, lastEventId(first)));
    expect(first.text + rest.text).toBe(fakeText(spec));
    expect(rest.done).toBe(true);
    const ids = [...first.events, ...rest.events].filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  test.each([1, 2, 99, 201])("a re-attach on B after id %d, inside an entry holding a whole read's frames, gets exactly the events after it", async (after) => {
    const res = await postChat(a.url, userSays(directive({ tokens: 200 })));
    const id = res.headers.get("x-stream-id")!;
    const full = await readSse(res);
    // The point of the test: Redis holds a read's frames in one entry (id 0-<last>, field s = first).
    const client = new RedisClient(redis.url);
    const entries = (await client.send("XRANGE", [`chat:gen:${id}`, "-", "+"])) as Array<[string, string[]]>;
    client.close();
    expect(entries.length).toBeLessThan(100);
    const rest = await readSse(await resume(b.url, id, String(after)));
    const fields = (e: { id?: string | undefined; event?: string | undefined; data: string }) => ({ id: e.id, event: e.event, data: e.data });
    expect(rest.events.map(fields)).toEqual(full.events.filter((e) => Number(e.id) > after).map(fields));
    expect(rest.done).toBe(true);
  });

  test("a finished answer replays in full from the other instance", async () => {
    const res = await postChat(a.url, userSays(directive({ tokens: 7 })));
    const id = res.headers.get("x-stream-id")!;
    await readSse(res);
    await Bun.sleep(100);
    const replay = await readSse(await resume(b.url, id));
    expect(replay.text).toBe(fakeText({ tokens: 7 }));
    expect(replay.done).toBe(true);
  });

  test("Stop sent to B ends the answer that A is generating", async () => {
    const res = await postChat(a.url, userSays(directive({ tokens: 400, delay: 20 })));
    const id = res.headers.get("x-stream-id")!;
    const reading = readSse(res);
    await Bun.sleep(200);
    expect((await fetch(`${b.url}/api/chat/${id}`, { method: "DELETE" })).status).toBe(204);
    const s = await reading;
    expect(s.finish?.finish_reason).toBe("stopped");
    expect(s.text.length).toBeGreaterThan(0);
  });

  test("an unknown id is 404 on every instance", async () => {
    expect((await resume(b.url, crypto.randomUUID())).status).toBe(404);
  });

  test("if the producing instance is killed (-9), a client on B gets every saved event, then a clear error within seconds", async () => {
    const victim = await startChat({ env: env() });
    const spec = { tokens: 400, delay: 20 };
    const controller = new AbortController();
    const res = await postChat(victim.url, userSays(directive(spec)), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    const first = await readThenDrop(res, 5, controller);
    const reading = readSse(await resume(b.url, id, lastEventId(first)));
    await Bun.sleep(300);
    victim.proc.kill("SIGKILL");
    const killedAt = performance.now();
    const rest = await reading;
    expect(performance.now() - killedAt).toBeLessThan(6000);
    expect(rest.error).toMatchObject({ type: "generation_lost" });
    expect(fakeText(spec).startsWith(first.text + rest.text)).toBe(true);
    expect((first.text + rest.text).length).toBeGreaterThan(first.text.length);
  });

  test("Redis going away while B tails an answer gives a clear error, not a hang", async () => {
    const controller = new AbortController();
    const res = await postChat(a.url, userSays(directive({ tokens: 400, delay: 20 })), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    const first = await readThenDrop(res, 3, controller);
    const reading = readSse(await resume(b.url, id, lastEventId(first)));
    await Bun.sleep(300);
    await redis.stop();
    const stoppedAt = performance.now();
    const rest = await reading;
    expect(performance.now() - stoppedAt).toBeLessThan(6000);
    expect(rest.error?.type).toMatch(/resume_store_unavailable|generation_lost/);
  });
});

test("the per-minute request budget is shared by all instances through Redis", async () => {
  // Its own Redis: the tests above stop theirs.
  const own = await startRedis();
  const limited = { ...env(), REDIS_URL: own.url, CHAT_REQUESTS_PER_MINUTE: "3" };
  const [x, y] = await Promise.all([startChat({ env: limited }), startChat({ env: limited })]);
  try {
    // Counters are per wall-clock minute: do not start right before one rolls over.
    const left = 60_000 - (Date.now() % 60_000);
    if (left < 3000) await Bun.sleep(left + 100);
    const statuses: number[] = [];
    for (const server of [x, y, x, y]) {
      const res = await postChat(server.url, userSays("hi"));
      statuses.push(res.status);
      await res.text();
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
  } finally {
    await Promise.all([x.stop(), y.stop()]);
    await own.stop();
  }
}, 20_000);

test("a REDIS_URL that cannot be reached stops the server at start with one clear line", async () => {
  const proc = Bun.spawn([process.execPath, "src/main.ts"], {
    cwd: `${import.meta.dir}/../..`,
    env: { PATH: process.env.PATH ?? "", PORT: "0", REDIS_URL: "redis://127.0.0.1:9", BUN_CONFIG_MAX_HTTP_REQUESTS: "100", CHAT_HISTORY: "off" },
    stderr: "pipe",
  });
  expect(await proc.exited).toBe(1);
  expect(await new Response(proc.stderr).text()).toContain("cannot reach Redis at 127.0.0.1:9");
}, 20_000);
