import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { readSse, readThenDrop } from "../support/sse.ts";
import { answerOf, api, dataDir, waitForConversation } from "./support.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
let off: ChatServer;
const dir = dataDir();
const alice = () => api(chat.url, "tok-alice-0123");
const bob = () => api(chat.url, "tok-bob-4567");

beforeAll(async () => {
  fake = startFakeOpenAI();
  const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL };
  [chat, off] = await Promise.all([
    startChat({
      env: { ...env, CHAT_HISTORY: "on", CHAT_DATA_DIR: dir, CHAT_AUTH_TOKEN: "alice:tok-alice-0123,bob:tok-bob-4567", CHAT_RESUME_GRACE_S: "0" },
    }),
    startChat({ env }),
  ]);
}, 60_000);
afterAll(async () => {
  await Promise.all([chat.stop(), off.stop()]);
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const ask = (content: string, extra: Record<string, unknown> = {}) => ({ messages: [{ role: "user", content }], ...extra });

/** Starts an answer as alice and reads it to the end: its conversation id, stream id and text. */
async function answered(body: unknown) {
  const res = await alice().chat(body);
  expect(res.status).toBe(200);
  const conversation = res.headers.get("x-conversation-id")!;
  const stream = res.headers.get("x-stream-id")!;
  const s = await readSse(res);
  return { conversation, stream, s };
}

describe("answers saved on the server", () => {
  test("an answer is saved with its question and finish, under the id the response names", async () => {
    const b = { tokens: 12 };
    const { conversation, s } = await answered(ask(directive(b), { model: "gpt-fake", temperature: 0.3 }));
    expect(conversation).toMatch(/^[0-9a-f-]{36}$/);
    expect(s.events.some((e) => e.event === "history")).toBe(false);
    const c = await waitForConversation(alice(), conversation, (c) => answerOf(c).status === "done");
    expect(c.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
    expect(answerOf(c)).toMatchObject({ content: fakeText(b), finishReason: "stop", model: "gpt-fake" });
    expect(answerOf(c).streamId).toBeUndefined();
    expect(c.settings).toEqual({ model: "gpt-fake", temperature: 0.3 });
  });

  test("with nobody reading, the answer still finishes on the server (no grace, the upstream is not cancelled)", async () => {
    const b = { tokens: 40, delay: 25 };
    const controller = new AbortController();
    const cancelled = fake.stats.cancelled;
    const res = await alice().chat(ask(directive(b)), { signal: controller.signal });
    const conversation = res.headers.get("x-conversation-id")!;
    await readThenDrop(res, 3, controller);
    const c = await waitForConversation(alice(), conversation, (c) => answerOf(c).status === "done", 15_000);
    expect(answerOf(c).content).toBe(fakeText(b));
    expect(fake.stats.cancelled).toBe(cancelled);
  });

  test("a conversation_id continues the conversation: only the new question is added", async () => {
    const first = await answered(ask(directive({ tokens: 3 })));
    await waitForConversation(alice(), first.conversation, (c) => answerOf(c).status === "done");
    const history = [
      { role: "user", content: directive({ tokens: 3 }) },
      { role: "assistant", content: fakeText({ tokens: 3 }) },
      { role: "user", content: directive({ tokens: 5 }) },
    ];
    const next = await answered({ messages: history, conversation_id: first.conversation });
    expect(next.conversation).toBe(first.conversation);
    const c = await waitForConversation(alice(), first.conversation, (c) => c.messages.length === 4 && answerOf(c).status === "done");
    expect(c.messages.map((m) => m.content)).toEqual([...history.map((m) => m.content), fakeText({ tokens: 5 })]);
  });

  test("Stop ends the answer at once and it is saved as stopped with its partial text", async () => {
    const res = await alice().chat(ask(directive({ tokens: 400, delay: 20 })));
    const conversation = res.headers.get("x-conversation-id")!;
    const stream = res.headers.get("x-stream-id")!;
    const reading = readSse(res);
    await Bun.sleep(200);
    expect((await alice().stop(stream)).status).toBe(204);
    const s = await reading;
    expect(s.finish?.finish_reason).toBe("stopped");
    const c = await waitForConversation(alice(), conversation, (c) => answerOf(c).status === "stopped");
    expect(answerOf(c).content).toBe(s.text);
  });
});

describe("two owners, isolated", () => {
  test("every endpoint given another owner's ids answers as if they did not exist, and changes nothing (the same id is another conversation)", async () => {
    const res = await alice().chat(ask(directive({ tokens: 200, delay: 20 })));
    const conversation = res.headers.get("x-conversation-id")!;
    const stream = res.headers.get("x-stream-id")!;
    const reading = readSse(res);
    const type = async (r: Response) => [r.status, ((await r.json()) as { error: { type: string } }).error.type];

    expect(await type(await bob().get(conversation))).toEqual([404, "conversation_not_found"]);
    expect(await type(await bob().export(conversation))).toEqual([404, "conversation_not_found"]);
    expect(await type(await bob().rename(conversation, "bob's now"))).toEqual([404, "conversation_not_found"]);
    expect(await type(await bob().remove(conversation))).toEqual([404, "conversation_not_found"]);
    const bobsOwn = await bob().chat({ ...ask(`append to alice ${directive({ tokens: 2 })}`), conversation_id: conversation });
    expect(bobsOwn.headers.get("x-conversation-id")).toBe(conversation);
    await bobsOwn.text();
    expect(await type(await bob().resume(stream))).toEqual([404, "stream_not_found"]);
    expect(await type(await bob().stop(stream))).toEqual([404, "stream_not_found"]);
    const bobs = (await (await bob().list()).json()) as { items: { id: string; title: string }[] };
    expect(bobs.items.filter((i) => i.id === conversation).map((i) => i.title)).toEqual([expect.stringMatching(/^append to alice/)]);
    const search = (await (await bob().list(`?q=${encodeURIComponent("tokens=200")}`)).json()) as { items: unknown[] };
    expect(search.items).toEqual([]);

    // Alice's answer went on untouched, and she can re-attach to it and stop it.
    const again = await alice().resume(stream);
    expect(again.status).toBe(200);
    await again.body?.cancel();
    expect((await alice().stop(stream)).status).toBe(204);
    const s = await reading;
    expect(s.finish?.finish_reason).toBe("stopped");
    const c = await waitForConversation(alice(), conversation, (c) => answerOf(c).status === "stopped");
    expect(c.title).toBeUndefined();
    expect(c.messages.length).toBe(2);
  });

  test("a token that is no owner's gets 401 everywhere", async () => {
    const eve = api(chat.url, "tok-eve-8901");
    for (const r of [await eve.list(), await eve.get(crypto.randomUUID()), await eve.chat(ask("hi")), await eve.import({})]) {
      expect(r.status).toBe(401);
    }
  });
});

describe("the conversations API", () => {
  test("list: newest first, paged by cursor, searched in titles and text", async () => {
    const mine = api(chat.url, "tok-bob-4567");
    const ids: string[] = [];
    // One at a time, each saved before the next starts: answers that end within one save tick are
    // written in one transaction with the same time, and "newest" between them would be a coin toss.
    for (const word of ["apple", "banana", "cherry"]) {
      const res = await mine.chat(ask(`${word} ${directive({ tokens: 2 })}`));
      const id = res.headers.get("x-conversation-id")!;
      ids.push(id);
      await res.text();
      await waitForConversation(mine, id, (c) => answerOf(c).status === "done");
      await Bun.sleep(5);
    }
    const page1 = (await (await mine.list("?limit=2")).json()) as { items: { id: string; title: string }[]; next_cursor: string };
    expect(page1.items.map((i) => i.id)).toEqual([ids[2]!, ids[1]!]);
    expect(page1.items[0]!.title).toStartWith("cherry");
    const page2 = (await (await mine.list(`?limit=2&cursor=${page1.next_cursor}`)).json()) as { items: { id: string }[]; next_cursor: string | null };
    expect(page2.items.map((i) => i.id)).toContain(ids[0]!);
    expect(((await (await mine.list("?q=BANANA")).json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([ids[1]!]);
    expect((await mine.rename(ids[0]!, "Fruit salad")).status).toBe(204);
    expect(((await (await mine.list("?q=salad")).json()) as { items: { id: string }[] }).items.map((i) => i.id)).toEqual([ids[0]!]);
    expect((await mine.list("?limit=0")).status).toBe(400);
    expect((await mine.list("?cursor=nonsense")).status).toBe(400);
  });

  test("export gives the page's JSON file; importing it makes a new conversation with every version", async () => {
    const { conversation } = await answered(ask(directive({ tokens: 4 })));
    await waitForConversation(alice(), conversation, (c) => answerOf(c).status === "done");
    const file = (await (await alice().export(conversation)).json()) as Record<string, unknown>;
    expect(file).toMatchObject({ format: "bun-chat.conversation", version: 2, messages: [{ role: "user" }, { role: "assistant", status: "done" }] });
    const res = await alice().import(file);
    expect(res.status).toBe(201);
    const { id } = (await res.json()) as { id: string };
    expect(id).not.toBe(conversation);
    const copy = await waitForConversation(alice(), id, () => true);
    expect(copy.messages.map((m) => m.content)).toEqual([directive({ tokens: 4 }), fakeText({ tokens: 4 })]);
    expect((await bob().get(id)).status).toBe(404);
    const bad = await alice().import({ format: "something-else", messages: [] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string } }).error.type).toBe("invalid_import");
  });

  test("rename and delete; guarded like /api/chat (Origin, content type)", async () => {
    const { conversation } = await answered(ask(directive({ tokens: 2 })));
    expect((await alice().rename(conversation, "Named")).status).toBe(204);
    expect((await waitForConversation(alice(), conversation, () => true)).title).toBe("Named");
    const foreign = await fetch(`${chat.url}/api/conversations/${conversation}`, {
      method: "DELETE",
      headers: { Authorization: "Bearer tok-alice-0123", Origin: "https://evil.example" },
    });
    expect(foreign.status).toBe(403);
    const notJson = await fetch(`${chat.url}/api/conversations/${conversation}`, {
      method: "PATCH",
      headers: { Authorization: "Bearer tok-alice-0123", "Content-Type": "text/plain" },
      body: JSON.stringify({ title: "x" }),
    });
    expect(notJson.status).toBe(415);
    expect((await alice().rename(conversation, "x".repeat(201))).status).toBe(400);
    expect((await alice().remove(conversation)).status).toBe(204);
    expect((await alice().get(conversation)).status).toBe(404);
  });

  test("with history off (the default) the endpoints say so and /api/chat sends no conversation id", async () => {
    const r = await api(off.url, undefined).list();
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { type: string } }).error.type).toBe("history_disabled");
    const res = await api(off.url, undefined).chat(ask(directive({ tokens: 2 })));
    expect(res.headers.get("x-conversation-id")).toBeNull();
    await res.text();
  });
});
