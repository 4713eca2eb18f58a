import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";

let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  // Started WITHOUT BUN_CONFIG_MAX_HTTP_REQUESTS: the server must lift Bun's 256 fetch cap itself.
  chat = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL }, withoutFetchCapEnv: true });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

test("a first token that takes 12 s (longer than Bun's 10 s idle timeout) still arrives, kept alive by pings", async () => {
  const s = await readSse(await postChat(chat.url, userSays(directive({ tokens: 3, first: 12_000 }))));
  expect(s.text).toBe(fakeText({ tokens: 3 }));
  expect(s.done).toBe(true);
  expect(s.comments.filter((c) => c.trim() === "ping").length).toBeGreaterThanOrEqual(2);
}, 30_000);

test("300 concurrent streams all complete with the right text, all open upstream at once", async () => {
  const message = directive({ tokens: 20, delay: 50 });
  // A separate client process: the test runner's own fetch is capped at 256 concurrent requests.
  const load = Bun.spawn([process.execPath, join(import.meta.dir, "../support/load-client.ts"), chat.url, "300", message], {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" },
    stdout: "pipe",
    stderr: "inherit",
  });
  const out = await new Response(load.stdout).text();
  expect(await load.exited).toBe(0);
  expect(JSON.parse(out)).toEqual({ [fakeText({ tokens: 20 })]: 300 });
  // Past 256 only if neither our process nor Bun's fetch queued requests behind the cap.
  expect(fake.stats.peak).toBeGreaterThanOrEqual(300);
}, 30_000);

test("a single 1 MiB upstream line is relayed whole", async () => {
  const s = await readSse(await postChat(chat.url, userSays(directive({ text: "ab", repeat: 512 * 1024 }))));
  expect(s.done).toBe(true);
  expect(s.text.length).toBe(1024 * 1024);
  expect(s.text).toBe("ab".repeat(512 * 1024));
});
