import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeBehaviour, type FakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";

const KEY = "sk-faults-abcdefghijklmnop";
let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseURL, CHAT_UPSTREAM_RETRIES: "0", OPENAI_MODEL: "gpt-nope" } });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

async function chatWith(b: Partial<FakeBehaviour>) {
  const res = await postChat(chat.url, userSays(`hello ${directive(b)}`));
  expect(res.status).toBe(200);
  return readSse(res);
}

describe("an upstream failure becomes `event: error`, never a silent cut or an empty success", () => {
  test.each([
    [401, "upstream_auth_error", "OPENAI_API_KEY"],
    [403, "upstream_permission_error", "403"],
    [404, "model_not_found", 'The model "gpt-nope" was not found'],
    [500, "upstream_error", "(500)"],
    [503, "upstream_error", "(503)"],
  ])("HTTP %d before the first token", async (status, type, message) => {
    const s = await chatWith({ status });
    expect(s.error).toMatchObject({ type, status: status >= 500 ? 502 : status });
    expect(s.error!.message).toContain(message);
    expect(s.done).toBe(false);
    expect(s.text).toBe("");
  });

  test("a 401 never echoes the key, not even OpenAI's masked form of it", async () => {
    const s = await chatWith({ status: 401 });
    expect(s.error!.message).not.toContain("sk-test");
    expect(s.error!.message).not.toContain(KEY);
  });

  test("429 carries the upstream's retry-after", async () => {
    const s = await chatWith({ status: 429, retry_after: 20 });
    expect(s.error).toMatchObject({ type: "rate_limited", status: 429, retry_after: 20 });
    expect(s.error!.message).toContain("Try again in 20 s");
  });

  test("an error event mid-stream keeps the partial answer and then reports the failure", async () => {
    const s = await chatWith({ tokens: 10, fail_after: 3, mode: "error" });
    expect(s.text).toBe(fakeText({ tokens: 3 }));
    expect(s.error).toMatchObject({ type: "upstream_error", status: 502 });
    expect(s.done).toBe(false);
  });

  test("a connection cut mid-stream is reported", async () => {
    const s = await chatWith({ tokens: 10, fail_after: 4, mode: "cut" });
    expect(s.text).toBe(fakeText({ tokens: 4 }));
    expect(s.error?.status).toBeGreaterThanOrEqual(500);
    expect(s.done).toBe(false);
  });

  test("a stream that ends without finish_reason or [DONE] is reported as cut off", async () => {
    const s = await chatWith({ tokens: 10, fail_after: 5, mode: "nofinish" });
    expect(s.text).toBe(fakeText({ tokens: 5 }));
    expect(s.error).toMatchObject({ type: "upstream_incomplete", status: 502 });
  });

  test("a 200 with zero chunks is an error, not an empty answer", async () => {
    const s = await chatWith({ tokens: 10, fail_after: 0, mode: "nofinish" });
    expect(s.error).toMatchObject({ type: "upstream_empty" });
    expect(s.done).toBe(false);
  });

  test("a cut-off answer (finish_reason length) completes and says why", async () => {
    const s = await chatWith({ tokens: 3, finish: "length" });
    expect(s.done).toBe(true);
    expect(s.finish?.finish_reason).toBe("length");
  });

  test("the server never printed the key while failing", () => {
    expect(chat.output()).not.toContain(KEY);
  });
});

describe("upstream unreachable or slow", () => {
  test("a refused connection is `upstream_unreachable`, naming the host", async () => {
    const dead = await startChat({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: "http://127.0.0.1:9/v1", CHAT_UPSTREAM_RETRIES: "0" } });
    try {
      const s = await readSse(await postChat(dead.url, userSays("hi")));
      expect(s.error).toMatchObject({ type: "upstream_unreachable", status: 502 });
      expect(s.error!.message).toContain("127.0.0.1:9");
    } finally {
      await dead.stop();
    }
  });

  test("an upstream that does not answer in time is `upstream_timeout`", async () => {
    const slow = await startChat({
      env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseURL, CHAT_UPSTREAM_RETRIES: "0", CHAT_UPSTREAM_TIMEOUT_MS: "300" },
    });
    try {
      const started = performance.now();
      const s = await readSse(await postChat(slow.url, userSays(directive({ hang: 3000 }))));
      expect(s.error).toMatchObject({ type: "upstream_timeout", status: 504 });
      expect(performance.now() - started).toBeLessThan(2500);
    } finally {
      await slow.stop();
    }
  });

  test("a failure before the first token is retried, so a transient 503 never reaches the user", async () => {
    const retrying = await startChat({ env: { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: fake.baseURL, CHAT_UPSTREAM_RETRIES: "2" } });
    try {
      const before = fake.stats.requests;
      // The directive fails every attempt, so we can count them: 1 try + 2 retries.
      const s = await readSse(await postChat(retrying.url, userSays(directive({ status: 503 }))));
      expect(s.error?.type).toBe("upstream_error");
      expect(fake.stats.requests - before).toBe(3);
    } finally {
      await retrying.stop();
    }
  }, 20_000);
});
