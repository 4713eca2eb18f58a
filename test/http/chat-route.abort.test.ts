import { afterAll, beforeAll, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { postChat, userSays } from "../support/sse.ts";

let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  // Grace 0: a disconnect aborts at once, as before resumable streams (test/http/chat-route.resume.test.ts covers the grace).
  chat = await startChat({
    env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_MAX_STREAMS: "3", CHAT_RESUME_GRACE_S: "0", CHAT_RESUME_MAX_STREAM_BYTES: String(4 * 1024 * 1024) },
  });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

async function readUntil(res: Response, predicate: (text: string) => boolean): Promise<void> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!predicate(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before the expected point: ${text}`);
    text += dec.decode(value, { stream: true });
  }
}

test("a client that disconnects mid-answer cancels the upstream request within 1 s", async () => {
  const before = fake.stats.cancelled;
  const controller = new AbortController();
  const res = await postChat(chat.url, userSays(directive({ tokens: 500, delay: 20 })), { signal: controller.signal });
  await readUntil(res, (t) => t.includes("token3"));
  const abortedAt = performance.now();
  controller.abort();
  await fake.waitForCancelled(before + 1, 1000);
  expect(performance.now() - abortedAt).toBeLessThan(1000);
});

test("a client that disconnects before the first token cancels the upstream request within 1 s", async () => {
  const before = fake.stats.cancelled;
  const controller = new AbortController();
  const res = await postChat(chat.url, userSays(directive({ tokens: 5, first: 10_000 })), { signal: controller.signal });
  await readUntil(res, (t) => t.includes(": ok"));
  // Give the relay time to have the upstream request open, then hang up.
  await Bun.sleep(100);
  controller.abort();
  await fake.waitForCancelled(before + 1, 1000);
});

test("streams over the configured concurrency limit get 429 JSON, and the slot frees on disconnect", async () => {
  const controllers = [new AbortController(), new AbortController(), new AbortController()];
  const open = await Promise.all(
    controllers.map((c) => postChat(chat.url, userSays(directive({ tokens: 500, delay: 20 })), { signal: c.signal })),
  );
  await Promise.all(open.map((r) => readUntil(r, (t) => t.includes("Token0"))));
  const refused = await postChat(chat.url, userSays("one more"));
  expect(refused.status).toBe(429);
  expect(refused.headers.get("retry-after")).toBe("1");
  expect(await refused.json()).toMatchObject({ error: { type: "too_many_streams" } });
  for (const c of controllers) c.abort();
  await Bun.sleep(300);
  const res = await postChat(chat.url, userSays(directive({ tokens: 2 })));
  expect(res.status).toBe(200);
  await res.text();
});

test("a client that stops reading costs at most the per-answer buffer, then the upstream is cut", async () => {
  const rss = async () => {
    const status = await Bun.file(`/proc/${chat.proc.pid}/status`).text();
    return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
  };
  const before = await rss();
  const cancelled = fake.stats.cancelled;
  // 400 tokens of 192 KiB = 75 MiB offered by the upstream; the client reads only the first bytes.
  const controller = new AbortController();
  const res = await postChat(chat.url, userSays(directive({ tokens: 400, delay: 2, repeat: 32 * 1024 })), { signal: controller.signal });
  const reader = res.body!.getReader();
  await reader.read();
  // The answer outgrows its 4 MiB buffer: the upstream is aborted instead of buffering on.
  await fake.waitForCancelled(cancelled + 1, 5000);
  const grown = (await rss()) - before;
  console.log(`stalled reader: server RSS grew ${(grown / 1048576).toFixed(1)} MiB`);
  expect(grown).toBeLessThan(40 * 1024 * 1024);
  controller.abort();
});
