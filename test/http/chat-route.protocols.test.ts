/**
 * The route over both upstream protocols: the same requests, through the real server, against a fake
 * Chat Completions upstream and a fake Responses API upstream (test/support/fake-responses.ts). The
 * browser must not be able to tell them apart: frames, finish, errors, abort, retries before the first
 * byte, resume and heartbeats behave the same.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeReasoning, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { startFakeResponses, type ResponsesBehaviour } from "../support/fake-responses.ts";
import { lastEventId, postChat, readSse, readThenDrop, resume, userSays } from "../support/sse.ts";

const PROTOCOLS = [
  { api: "chat", start: () => startFakeOpenAI() },
  { api: "responses", start: () => startFakeResponses() },
] as const;

async function readUntil(res: Response, predicate: (text: string) => boolean): Promise<string> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  while (!predicate(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`stream ended before the expected point: ${text}`);
    text += dec.decode(value, { stream: true });
  }
  return text;
}

describe.each(PROTOCOLS)("CHAT_UPSTREAM_API=$api", ({ api, start }) => {
  let fake: FakeOpenAI;
  /** Grace 1 s: disconnects can be resumed. */
  let chat: ChatServer;
  /** Grace 0: a disconnect aborts at once. */
  let eager: ChatServer;
  const ask = (b: Partial<ResponsesBehaviour>, text = "hello") => userSays(`${text} ${directive(b as never)}`);

  beforeAll(async () => {
    fake = start();
    const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_UPSTREAM_API: api, CHAT_HEARTBEAT_MS: "200" };
    [chat, eager] = await Promise.all([
      startChat({ env: { ...env, CHAT_RESUME_GRACE_S: "1", CHAT_UPSTREAM_RETRIES: "1", CHAT_SYSTEM_PROMPT: "Be brief.", CHAT_MAX_TOKENS: "500" } }),
      startChat({ env: { ...env, CHAT_RESUME_GRACE_S: "0", CHAT_UPSTREAM_RETRIES: "0" } }),
    ]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([chat.stop(), eager.stop()]);
    await fake.stop();
  });

  test("an answer streams as the seed's frames, then finish with usage and [DONE]", async () => {
    const s = await readSse(await postChat(chat.url, ask({ tokens: 6 })));
    expect(s.text).toBe(fakeText({ tokens: 6 }));
    expect(s.done).toBe(true);
    expect(s.finish).toMatchObject({ finish_reason: "stop", model: "gpt-5-mini", usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 } });
    expect(s.events.map((e) => e.id)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
  });

  test("reasoning arrives as `event: reasoning` before the answer, with its time and tokens in the finish", async () => {
    const b = { tokens: 3, reasoning: 4, delay: 5 };
    const s = await readSse(await postChat(chat.url, ask(b)));
    expect(s.reasoning).toBe(fakeReasoning(b));
    expect(s.text).toBe(fakeText(b));
    expect(s.events.findIndex((e) => e.event === "reasoning")).toBeLessThan(s.events.findIndex((e) => e.event === undefined));
    expect(s.finish?.reasoning_ms).toBeGreaterThanOrEqual(0);
    expect(s.finish?.usage).toMatchObject({ completion_tokens: 7, completion_tokens_details: { reasoning_tokens: 4 } });
  });

  test.each([
    ["length", "length"],
    ["content_filter", "content_filter"],
  ])("an answer cut by %s completes and says why", async (finish, reason) => {
    const s = await readSse(await postChat(chat.url, ask({ tokens: 3, finish })));
    expect(s.done).toBe(true);
    expect(s.finish?.finish_reason).toBe(reason);
    expect(s.text).toBe(fakeText({ tokens: 3 }));
  });

  test.each([
    [401, "upstream_auth_error", 401],
    [404, "model_not_found", 404],
    [500, "upstream_error", 502],
  ])("HTTP %d before the stream is `event: error` %s", async (status, type, relayed) => {
    const s = await readSse(await postChat(eager.url, ask({ status })));
    expect(s.error).toMatchObject({ type, status: relayed });
    expect(s.done).toBe(false);
  });

  test("429 carries the upstream's retry-after", async () => {
    const s = await readSse(await postChat(eager.url, ask({ status: 429, retry_after: 20 })));
    expect(s.error).toMatchObject({ type: "rate_limited", status: 429, retry_after: 20 });
  });

  test.each(api === "responses" ? (["error", "failed"] as const) : (["error"] as const))(
    "a mid-stream failure (%s) keeps the partial answer, then reports upstream_error",
    async (mode) => {
      const s = await readSse(await postChat(eager.url, ask({ tokens: 10, fail_after: 3, mode })));
      expect(s.text).toBe(fakeText({ tokens: 3 }));
      expect(s.error).toMatchObject({ type: "upstream_error", status: 502 });
      expect(s.error!.message).toContain("The server had an error");
      expect(s.done).toBe(false);
    },
  );

  // OpenAI reports a rate limit hit while generating as a failure with code `rate_limit_exceeded`.
  test.skipIf(api !== "responses").each(["error", "failed"] as const)(
    "`rate_limit_exceeded` inside the stream (%s) keeps the partial answer, then reports rate_limited",
    async (mode) => {
      const s = await readSse(await postChat(eager.url, ask({ tokens: 10, fail_after: 3, mode, fail_code: "rate_limit_exceeded" })));
      expect(s.text).toBe(fakeText({ tokens: 3 }));
      expect(s.error).toMatchObject({ type: "rate_limited", status: 429 });
      expect(s.error!.message).toContain("Rate limit reached");
      expect(s.done).toBe(false);
    },
  );

  test("a cut connection, a stream without an end, an empty stream: each is an error, never a success", async () => {
    const cut = await readSse(await postChat(eager.url, ask({ tokens: 10, fail_after: 4, mode: "cut" })));
    expect(cut.text).toBe(fakeText({ tokens: 4 }));
    expect(cut.error?.status).toBeGreaterThanOrEqual(500);
    const unfinished = await readSse(await postChat(eager.url, ask({ tokens: 10, fail_after: 5, mode: "nofinish" })));
    expect(unfinished.error).toMatchObject({ type: "upstream_incomplete" });
    const empty = await readSse(await postChat(eager.url, ask({ tokens: 10, fail_after: 0, mode: "nofinish" })));
    expect(empty.error).toMatchObject({ type: "upstream_empty" });
  });

  test("a failure before the first byte is retried, so a transient 503 never reaches the user", async () => {
    const before = fake.stats.requests;
    const s = await readSse(await postChat(chat.url, ask({ status: 503, fail_times: 1, tokens: 2 }, `retry-${api}`)));
    expect(s.text).toBe(fakeText({ tokens: 2 }));
    expect(fake.stats.requests - before).toBe(2);
  });

  test("a client that disconnects mid-answer cancels the upstream request within 1 s", async () => {
    const before = fake.stats.cancelled;
    const controller = new AbortController();
    const res = await postChat(eager.url, ask({ tokens: 500, delay: 20 }), { signal: controller.signal });
    await readUntil(res, (t) => t.includes("token3"));
    controller.abort();
    await fake.waitForCancelled(before + 1, 1000);
  });

  test("Stop ends the answer with finish `stopped` and cancels the upstream", async () => {
    const before = fake.stats.cancelled;
    const res = await postChat(chat.url, ask({ tokens: 500, delay: 20 }));
    const id = res.headers.get("x-stream-id")!;
    const reading = readSse(res);
    await Bun.sleep(150);
    expect((await fetch(`${chat.url}/api/chat/${id}`, { method: "DELETE" })).status).toBe(204);
    const s = await reading;
    expect(s.finish).toEqual({ finish_reason: "stopped" });
    expect(s.done).toBe(true);
    await fake.waitForCancelled(before + 1, 1000);
  });

  test("a connection cut mid-answer resumes with exactly the rest", async () => {
    const b = { tokens: 30, delay: 5 };
    const controller = new AbortController();
    const res = await postChat(chat.url, ask(b), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    const first = await readThenDrop(res, 7, controller);
    const rest = await readSse(await resume(chat.url, id, lastEventId(first)));
    expect(first.text + rest.text).toBe(fakeText(b));
    expect(rest.done).toBe(true);
    const ids = [...first.events, ...rest.events].filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
  });

  test("a model silent before its first token gets `: ping` comments, then answers", async () => {
    const s = await readSse(await postChat(chat.url, ask({ tokens: 2, first: 700 })));
    expect(s.comments.filter((c) => c.trim() === "ping").length).toBeGreaterThanOrEqual(2);
    expect(s.text).toBe(fakeText({ tokens: 2 }));
  });

  test("the request carries the conversation and settings in the protocol's own shape", async () => {
    await readSse(await postChat(chat.url, ask({ tokens: 1 }, "mapping")));
    const body = fake.bodies.at(-1)!;
    if (api === "chat") {
      expect(body).toMatchObject({ stream: true, max_tokens: 500, messages: [{ role: "system", content: "Be brief." }, { role: "user" }] });
      return;
    }
    expect(body).toMatchObject({
      model: "gpt-5-mini",
      stream: true,
      store: false,
      instructions: "Be brief.",
      max_output_tokens: 500,
      reasoning: { summary: "auto" },
      input: [{ role: "user" }],
    });
    expect(body).not.toHaveProperty("temperature");
    expect(body).not.toHaveProperty("messages");
  });
});

describe("Responses: a setting the model refuses is dropped, and the answer still comes", () => {
  let fake: FakeOpenAI;
  let chat: ChatServer;
  beforeAll(async () => {
    fake = startFakeResponses();
    chat = await startChat({
      env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_UPSTREAM_API: "responses", CHAT_TEMPERATURE: "0.5", CHAT_REASONING_EFFORT: "low" },
    });
  }, 60_000);
  afterAll(async () => {
    await chat.stop();
    await fake.stop();
  });

  test("a reasoning model that refuses temperature: asked again without it, once per model", async () => {
    const before = fake.stats.requests;
    const b = { tokens: 2, refuse: "temperature" };
    const s = await readSse(await postChat(chat.url, userSays(directive(b as never))));
    expect(s.text).toBe(fakeText(b));
    expect(fake.stats.requests - before).toBe(2);
    expect(fake.bodies.at(-2)).toMatchObject({ temperature: 0.5 });
    expect(fake.bodies.at(-1)).not.toHaveProperty("temperature");
    expect(fake.bodies.at(-1)).toMatchObject({ reasoning: { effort: "low", summary: "auto" } });
    await readSse(await postChat(chat.url, userSays(directive(b as never))));
    expect(fake.stats.requests - before).toBe(3);
  });

  test("a model or organisation that cannot summarise its reasoning answers with no thinking shown", async () => {
    const b = { tokens: 2, refuse: "reasoning.summary,temperature" };
    const s = await readSse(await postChat(chat.url, { model: "gpt-5-mini", ...userSays(directive(b as never)) }));
    expect(s.text).toBe(fakeText(b));
    expect(s.reasoning).toBe("");
    expect(fake.bodies.at(-1)).toMatchObject({ reasoning: { effort: "low" } });
    expect((fake.bodies.at(-1)!.reasoning as object)).not.toHaveProperty("summary");
  });

  test("a 400 for anything else is the user's error, not retried", async () => {
    const before = fake.stats.requests;
    const s = await readSse(await postChat(chat.url, userSays(directive({ status: 400 }))));
    expect(s.error).toMatchObject({ type: "upstream_error", status: 400 });
    expect(fake.stats.requests - before).toBe(1);
  });
});
