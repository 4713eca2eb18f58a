import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse } from "../support/sse.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
const hi = [{ role: "user", content: "hi" }];

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-default", CHAT_MAX_TOKENS: "100" } });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

describe("choosing a model and settings per conversation", () => {
  test("GET /api/models lists the default first, then what the upstream offers, without exposing the key", async () => {
    const res = await fetch(`${chat.url}/api/models`);
    const body = await res.text();
    expect(JSON.parse(body)).toEqual({ default: "gpt-default", models: ["gpt-default", "gpt-fake"] });
    expect(body).not.toContain("sk-test");
  });

  test("a chosen model, temperature and max_tokens reach the upstream, max_tokens capped by CHAT_MAX_TOKENS", async () => {
    const s = await readSse(await postChat(chat.url, { messages: hi, model: "gpt-fake", temperature: 0.5, max_tokens: 5000 }));
    expect(s.done).toBe(true);
    const sent = fake.bodies.at(-1)!;
    expect(sent).toMatchObject({ model: "gpt-fake", temperature: 0.5, max_tokens: 100 });
  });

  test("without settings the server's defaults apply (a seed client)", async () => {
    await readSse(await postChat(chat.url, { messages: hi }));
    expect(fake.bodies.at(-1)).toMatchObject({ model: "gpt-default", max_tokens: 100 });
    expect(fake.bodies.at(-1)!.temperature).toBeUndefined();
  });

  test("a model the server does not offer is refused before reaching the upstream", async () => {
    const before = fake.stats.requests;
    const res = await postChat(chat.url, { messages: hi, model: "o1-pro-expensive" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { type: "model_not_allowed" } });
    expect(fake.stats.requests).toBe(before);
  });

  test.each([
    [{ model: 42 }, '"model" must be'],
    [{ model: "bad name with spaces" }, '"model" must be'],
    [{ temperature: 3 }, '"temperature" must be'],
    [{ temperature: "hot" }, '"temperature" must be'],
    [{ max_tokens: 1.5 }, '"max_tokens" must be'],
    [{ max_tokens: 0 }, '"max_tokens" must be'],
  ])("bad settings %j get a clear 400", async (extra, message) => {
    const res = await postChat(chat.url, { messages: hi, ...extra });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain(message);
  });

  test("CHAT_MODELS, when set, is the exact list offered", async () => {
    const listed = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "a", CHAT_MODELS: "b, c" } });
    try {
      expect(await (await fetch(`${listed.url}/api/models`)).json()).toEqual({ default: "a", models: ["a", "b", "c"] });
      expect((await postChat(listed.url, { messages: hi, model: "gpt-fake" })).status).toBe(400);
    } finally {
      await listed.stop();
    }
  });
});
