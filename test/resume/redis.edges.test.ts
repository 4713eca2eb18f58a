import { RedisClient } from "bun";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeReasoningTokens, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { startFakeResponses } from "../support/fake-responses.ts";
import { startRedis, type RedisServer } from "../support/redis.ts";
import { lastEventId, postChat, readSse, readThenDrop, resume, userSays } from "../support/sse.ts";

/**
 * Two instances sharing Redis, at the edges of an answer's life: before its first token (a reasoning
 * model may think for a minute) and a Last-Event-ID that the shared log cannot continue from.
 */
let fake: FakeOpenAI;
let redis: RedisServer;
let a: ChatServer;
let b: ChatServer;

// Pings every second: a 4 s wait for the first token shows several.
const env = () => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, REDIS_URL: redis.url, CHAT_RESUME_GRACE_S: "2", CHAT_HEARTBEAT_MS: "1000" });

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

const ids = (s: { events: Array<{ id?: string | undefined }> }) => s.events.filter((e) => e.id).map((e) => Number(e.id));

describe("before the first token", () => {
  test("an answer cut on A before any token re-attaches on B at once, pings while it waits, and arrives whole", async () => {
    const spec = { tokens: 20, delay: 5, first: 4000 };
    const controller = new AbortController();
    const res = await postChat(a.url, userSays(directive(spec)), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    await readThenDrop(res, 0, controller);
    const started = performance.now();
    const again = await resume(b.url, id);
    expect(again.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1000);
    const rest = await readSse(again);
    expect(rest.text).toBe(fakeText(spec));
    expect(rest.done).toBe(true);
    expect(ids(rest)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(rest.comments.filter((c) => c.trim() === "ping").length).toBeGreaterThanOrEqual(2);
  }, 15_000);

  test("Stop sent to B before the first token cancels A's upstream within 1 s and ends the answer as stopped", async () => {
    const res = await postChat(a.url, userSays(directive({ tokens: 5, first: 4000 })));
    const id = res.headers.get("x-stream-id")!;
    const reading = readSse(res);
    await Bun.sleep(200);
    const cancelled = fake.stats.cancelled;
    expect((await fetch(`${b.url}/api/chat/${id}`, { method: "DELETE" })).status).toBe(204);
    await fake.waitForCancelled(cancelled + 1, 1000);
    const s = await reading;
    expect(s.finish?.finish_reason).toBe("stopped");
    expect(s.text).toBe("");
    expect(s.done).toBe(true);
  }, 10_000);

  test("a producer killed (-9) before its first token: a client on B gets generation_lost within seconds, and so does a later re-attach", async () => {
    const victim = await startChat({ env: env() });
    const controller = new AbortController();
    const res = await postChat(victim.url, userSays(directive({ tokens: 5, first: 30_000 })), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    await readThenDrop(res, 0, controller);
    const reading = readSse(await resume(b.url, id));
    await Bun.sleep(300);
    victim.proc.kill("SIGKILL");
    const killedAt = performance.now();
    const rest = await reading;
    expect(performance.now() - killedAt).toBeLessThan(6000);
    expect(rest.error).toMatchObject({ type: "generation_lost" });
    expect(rest.text).toBe("");
    const later = await readSse(await resume(b.url, id));
    expect(later.error).toMatchObject({ type: "generation_lost" });
  }, 20_000);
});

describe("while the model reasons", () => {
  test.each([3, 12])("an answer cut on A after %d events, inside its reasoning, resumes exactly on B", async (cut) => {
    const spec = { reasoning: 20, tokens: 10, delay: 5 };
    const controller = new AbortController();
    const res = await postChat(a.url, userSays(directive(spec)), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    const first = await readThenDrop(res, cut, controller);
    expect(first.text).toBe("");
    const rest = await readSse(await resume(b.url, id, lastEventId(first)));
    expect(first.reasoning + rest.reasoning).toBe(fakeReasoningTokens(spec).join(""));
    expect(rest.text).toBe(fakeText(spec));
    expect(rest.done).toBe(true);
    expect([...ids(first), ...ids(rest)]).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });
});

describe("on CHAT_UPSTREAM_API=responses (reasoning summaries)", () => {
  let upstream: FakeOpenAI;
  let ra: ChatServer;
  let rb: ChatServer;
  const responsesEnv = () => ({ ...env(), OPENAI_BASE_URL: upstream.baseURL, CHAT_UPSTREAM_API: "responses" });
  beforeAll(async () => {
    upstream = startFakeResponses();
    [ra, rb] = await Promise.all([startChat({ env: responsesEnv() }), startChat({ env: responsesEnv() })]);
  }, 30_000);
  afterAll(async () => {
    await Promise.all([ra?.stop(), rb?.stop()]);
    await upstream?.stop();
  }, 30_000);

  // Cut inside the reasoning summary, and inside the output text.
  test.each([4, 25])("an answer cut on A after %d events resumes exactly on B, summaries and text", async (cut) => {
    const spec = { reasoning: 10, tokens: 20, delay: 10 };
    const asked = upstream.stats.requests;
    const controller = new AbortController();
    const res = await postChat(ra.url, userSays(directive(spec)), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    const first = await readThenDrop(res, cut, controller);
    // Events 1-10 are the summary's deltas: the first cut falls inside them, the second inside the text.
    expect(first.text === "").toBe(cut <= 10);
    const rest = await readSse(await resume(rb.url, id, lastEventId(first)));
    expect(first.reasoning + rest.reasoning).toBe(fakeReasoningTokens(spec).join(""));
    expect(first.text + rest.text).toBe(fakeText(spec));
    expect(rest.done).toBe(true);
    expect(rest.finish).toMatchObject({ finish_reason: "stop", usage: { completion_tokens_details: { reasoning_tokens: 10 } } });
    expect([...ids(first), ...ids(rest)]).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(upstream.stats.requests).toBe(asked + 1); // asked once, on A: B only read the shared log
  });
});

describe("a Last-Event-ID the shared log cannot continue from", () => {
  test("past the last event of a finished answer: 409 resume_unavailable on the other instance; the last event itself is fine", async () => {
    const res = await postChat(a.url, userSays(directive({ tokens: 3 })));
    const id = res.headers.get("x-stream-id")!;
    const last = Number(lastEventId(await readSse(res)));
    await Bun.sleep(100);
    expect(await readSse(await resume(b.url, id, String(last)))).toMatchObject({ events: [], error: undefined });
    const past = await resume(b.url, id, String(last + 1));
    expect(past.status).toBe(409);
    expect(await past.json()).toMatchObject({ error: { type: "resume_unavailable", message: expect.stringContaining(`ended at event ${last}`) } });
  });

  test("past the last event of a live answer (or before its first token): 409 after a short wait for Redis to catch up", async () => {
    const controller = new AbortController();
    const res = await postChat(a.url, userSays(directive({ tokens: 50, delay: 20, first: 3000 })), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    for (const after of ["1", "1000"]) {
      const started = performance.now();
      const ahead = await resume(b.url, id, after);
      expect(ahead.status).toBe(409);
      expect(await ahead.json()).toMatchObject({ error: { type: "resume_unavailable" } });
      expect(performance.now() - started).toBeLessThan(2500);
    }
    await fetch(`${b.url}/api/chat/${id}`, { method: "DELETE" });
    controller.abort();
  });

  test("events that never reached Redis end a re-attach elsewhere with event: error (resume_unavailable), never a silent skip", async () => {
    const res = await postChat(a.url, userSays(directive({ tokens: 30, delay: 10 })));
    const id = res.headers.get("x-stream-id")!;
    const full = await readSse(res);
    // A write lost while Redis was unreachable, made by hand: one entry in the middle goes.
    const client = new RedisClient(redis.url);
    const entries = (await client.send("XRANGE", [`chat:gen:${id}`, "-", "+"])) as Array<[string, string[]]>;
    expect(entries.length).toBeGreaterThan(5);
    const middle = Math.floor(entries.length / 2);
    const [holeId] = entries[middle]!;
    const [beforeHole] = entries[middle - 1]!;
    await client.send("XDEL", [`chat:gen:${id}`, holeId]);
    client.close();
    const rest = await readSse(await resume(b.url, id, "1"));
    const upTo = Number(beforeHole.split("-")[1]);
    expect(ids(rest)).toEqual(Array.from({ length: upTo - 1 }, (_, i) => i + 2));
    const fields = (e: { id?: string | undefined; event?: string | undefined; data: string }) => ({ id: e.id, event: e.event, data: e.data });
    expect(rest.events.filter((e) => e.id).map(fields)).toEqual(full.events.filter((e) => Number(e.id) > 1 && Number(e.id) <= upTo).map(fields));
    expect(rest.error).toMatchObject({ type: "resume_unavailable", message: expect.stringContaining(`after event ${upTo}`) });
    expect(rest.done).toBe(false);
    // Past the hole, the log is whole again.
    const after = await readSse(await resume(b.url, id, holeId.split("-")[1]));
    expect(after.done).toBe(true);
    expect(after.error).toBeUndefined();
  });
});
