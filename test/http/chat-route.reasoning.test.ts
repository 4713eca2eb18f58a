import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeReasoning, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { lastEventId, postChat, readSse, readThenDrop, resume, userSays } from "../support/sse.ts";

let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({
    env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-fake", CHAT_REASONING_EFFORT: "low" },
  });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

describe("POST /api/chat with a reasoning model", () => {
  test("reasoning goes out as `event: reasoning` frames with ids, then the seed's content frames, byte for byte", async () => {
    const res = await postChat(chat.url, userSays(directive({ reasoning_text: "Hmm, a joke.", text: "Why not?" })));
    const body = await res.text();
    const finish = JSON.parse(/event: finish\nid: 6\ndata: (.*)\n\n/.exec(body)![1]!) as Record<string, unknown>;
    expect(body).toBe(
      ": ok\n\n" +
        'event: reasoning\nid: 1\ndata: {"reasoning":"Hmm, "}\n\n' +
        'event: reasoning\nid: 2\ndata: {"reasoning":"a "}\n\n' +
        'event: reasoning\nid: 3\ndata: {"reasoning":"joke."}\n\n' +
        'id: 4\ndata: {"content":"Why "}\n\n' +
        'id: 5\ndata: {"content":"not?"}\n\n' +
        `event: finish\nid: 6\ndata: ${JSON.stringify(finish)}\n\n` +
        "id: 7\ndata: [DONE]\n\n",
    );
    expect(Object.keys(finish)).toEqual(["finish_reason", "model", "usage", "reasoning_ms"]);
    expect(finish.reasoning_ms).toBeGreaterThanOrEqual(0);
  });

  test("an answer with no reasoning keeps the seed's finish event: no new keys", async () => {
    const s = await readSse(await postChat(chat.url, userSays(directive({ tokens: 2 }))));
    expect(Object.keys(s.finish!)).toEqual(["finish_reason", "model", "usage"]);
  });

  test("the reasoning effort goes upstream: the server's default, or the request's own", async () => {
    await readSse(await postChat(chat.url, userSays("hi")));
    expect(fake.bodies.at(-1)!.reasoning_effort).toBe("low");
    await readSse(await postChat(chat.url, { ...userSays("hi"), reasoning_effort: "high" }));
    expect(fake.bodies.at(-1)!.reasoning_effort).toBe("high");
  });

  test("a reasoning effort the server does not know is a 400 JSON before the upstream is called", async () => {
    const before = fake.stats.requests;
    const res = await postChat(chat.url, { ...userSays("hi"), reasoning_effort: "extreme" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("reasoning_effort");
    expect(fake.stats.requests).toBe(before);
  });

  test.each([0, 2, 5, 9, 13])("a connection cut after %d events resumes reasoning and content exactly", async (cut) => {
    const b = { reasoning: 8, tokens: 4, delay: 5 };
    const controller = new AbortController();
    const res = await postChat(chat.url, userSays(directive(b)), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    const first = await readThenDrop(res, cut, controller);
    const rest = await readSse(await resume(chat.url, id, lastEventId(first)));
    expect(first.reasoning + rest.reasoning).toBe(fakeReasoning(b));
    expect(first.text + rest.text).toBe(fakeText(b));
    const ids = [...first.events, ...rest.events].filter((e) => e.id).map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
  });
});
