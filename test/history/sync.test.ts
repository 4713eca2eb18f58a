import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { createParser } from "eventsource-parser";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { readSse } from "../support/sse.ts";
import { answerOf, api, dataDir, waitForConversation, type SavedConversation } from "./support.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
const dir = dataDir();
const alice = () => api(chat.url, "tok-alice-0123");
const bob = () => api(chat.url, "tok-bob-4567");

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({
    env: {
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fake.baseURL,
      CHAT_HISTORY: "on",
      CHAT_DATA_DIR: dir,
      CHAT_AUTH_TOKEN: "alice:tok-alice-0123,bob:tok-bob-4567",
    },
  });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const uid = () => `t-${crypto.randomUUID()}`;
const get = async (id: string) => (await (await alice().get(id)).json()) as SavedConversation & { messages: Record<string, unknown>[] };

/** A page's conversation: a question and its finished answer, with the page's own ids. */
function pageCopy(o: { id?: string; q?: string; a?: string } = {}) {
  const q = uid();
  const a = uid();
  return {
    id: o.id ?? uid(),
    title: "From this browser",
    createdAt: 1_700_000_000_000,
    updatedAt: 1_700_000_000_500,
    leaf: a,
    settings: { model: "gpt-fake", temperature: 0.5 },
    messages: [
      { id: q, role: "user", content: o.q ?? "What is in this picture?", attachments: [{ id: "f1", name: "cat.png", kind: "image", mime: "image/png", data: "data:image/png;base64,iVBORw0KGgo=" }] },
      { id: a, parent: q, role: "assistant", content: o.a ?? "A cat.", status: "done", model: "gpt-fake", finishReason: "stop" },
    ],
  };
}

/** Reads GET /api/conversations/changes as parsed events, until aborted. */
async function listen(client: ReturnType<typeof api>) {
  const controller = new AbortController();
  const res = await client.changes({ signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  const events: Record<string, unknown>[] = [];
  const parser = createParser({ onEvent: (e) => events.push(JSON.parse(e.data) as Record<string, unknown>) });
  const reading = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body!) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch {}
  })();
  return {
    events,
    async until(match: (e: Record<string, unknown>) => boolean, ms = 5000) {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        const found = events.find(match);
        if (found) return found;
        await Bun.sleep(10);
      }
      throw new Error(`no such change in ${ms} ms: ${JSON.stringify(events)}`);
    },
    async close() {
      controller.abort();
      await reading;
    },
  };
}

describe("the page's ids and copies (PUT /api/conversations/{id})", () => {
  test("an answer asked with the page's ids is saved under them, so the server's tree is the page's", async () => {
    const conversation = uid();
    const [q, a] = [uid(), uid()];
    const res = await alice().chat({ messages: [{ id: q, role: "user", content: directive({ tokens: 4 }) }], conversation_id: conversation, answer_id: a });
    expect(res.headers.get("x-conversation-id")).toBe(conversation);
    await readSse(res);
    const c = await waitForConversation(alice(), conversation, (c) => answerOf(c)?.status === "done");
    expect(c.messages.map((m) => [m.id, m.parent])).toEqual([
      [q, undefined],
      [a, q],
    ]);
    expect(answerOf(c).content).toBe(fakeText({ tokens: 4 }));
  });

  test("an answer still streaming is saved with the event id its text ends at: re-attaching after it gives exactly the rest", async () => {
    const b = { tokens: 80, delay: 20 };
    const res = await alice().chat({ messages: [{ role: "user", content: directive(b) }] });
    const conversation = res.headers.get("x-conversation-id")!;
    const c = await waitForConversation(alice(), conversation, (c) => answerOf(c)?.status === "streaming" && answerOf(c).content.length > 0);
    const saved = answerOf(c) as ReturnType<typeof answerOf> & { lastEventId?: string };
    expect(saved.lastEventId).toMatch(/^\d+$/);
    const rest = await readSse(
      await fetch(`${chat.url}/api/chat/${saved.streamId}/stream`, { headers: { Authorization: "Bearer tok-alice-0123", "Last-Event-ID": saved.lastEventId! } }),
    );
    expect(saved.content + rest.text).toBe(fakeText(b));
    await res.body?.cancel();
  }, 15_000);

  test("a conversation only this browser had is uploaded whole: title, times, settings, leaf, files", async () => {
    const copy = pageCopy();
    const res = await alice().put(copy.id, copy);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ updatedAt: copy.updatedAt });
    const c = await get(copy.id);
    expect(c).toMatchObject({ id: copy.id, title: "From this browser", leaf: copy.leaf, settings: copy.settings, createdAt: copy.createdAt, updatedAt: copy.updatedAt });
    expect(c.messages).toEqual([
      { id: copy.messages[0]!.id, role: "user", content: "What is in this picture?", attachments: copy.messages[0]!.attachments },
      { id: copy.leaf, parent: copy.messages[0]!.id, role: "assistant", content: "A cat.", status: "done", model: "gpt-fake", finishReason: "stop" },
    ]);
    const listed = (await (await alice().list()).json()) as { items: { id: string; title: string }[] };
    expect(listed.items.find((i) => i.id === copy.id)?.title).toBe("From this browser");
  });

  test("a later copy adds what the page added, removes what it removed, moves the leaf; answers stay the server's and time only moves on", async () => {
    const copy = pageCopy();
    await alice().put(copy.id, copy);
    const [q1, a1] = copy.messages;
    const retryQ = { id: uid(), role: "user", content: "And the dog?" };
    const failed = { id: uid(), parent: retryQ.id, role: "assistant", content: "", status: "error", error: { message: "boom", type: "upstream_error", status: 502 } };
    const next = {
      ...copy,
      updatedAt: copy.updatedAt - 100, // a device whose clock is behind
      leaf: a1!.id,
      settings: { model: "other" },
      messages: [q1, { ...a1, content: "Rewritten by a page" }, { ...retryQ, parent: a1!.id }, failed],
    };
    expect((await alice().put(copy.id, next)).status).toBe(200);
    let c = await get(copy.id);
    expect(c.messages.map((m) => m.id)).toEqual([q1!.id, a1!.id, retryQ.id, failed.id]);
    expect(c.messages[1]!.content).toBe("A cat.");
    expect(c.messages[3]).toMatchObject({ status: "error", error: { type: "upstream_error" } });
    expect(c).toMatchObject({ leaf: a1!.id, settings: { model: "other" }, updatedAt: copy.updatedAt });
    // The failed answer is replaced on the page (Retry): the next copy says so.
    expect((await alice().put(copy.id, { ...next, messages: next.messages.slice(0, 3), removed: [failed.id], leaf: retryQ.id })).status).toBe(200);
    c = await get(copy.id);
    expect(c.messages.map((m) => m.id)).toEqual([q1!.id, a1!.id, retryQ.id]);
    expect(c.leaf).toBe(retryQ.id);
  });

  test("another owner's PUT of the same id is a conversation of their own, alice's untouched; bad copies are 400 saying why", async () => {
    const copy = pageCopy();
    await alice().put(copy.id, copy);
    const res = await bob().put(copy.id, { ...copy, title: "Bob's", messages: [], removed: [copy.leaf] });
    expect(res.status).toBe(200);
    expect(((await (await bob().get(copy.id)).json()) as SavedConversation)).toMatchObject({ title: "Bob's", messages: [] });
    expect(await get(copy.id)).toMatchObject({ title: "From this browser", messages: [{}, {}] });
    for (const [body, why] of [
      [{ messages: "no" }, /messages/],
      [{ messages: [{ role: "user", content: "no id" }] }, /id of its own/],
      [{ messages: [{ id: "x", role: "robot", content: "?" }] }, /role/],
      [{ messages: [{ id: "x", role: "user", content: "?", attachments: [{ id: "f", name: "a.svg", kind: "image", mime: "image/svg+xml", data: "data:image/svg+xml;base64,PHN2Zz4=" }] }] }, /file/],
      [{ messages: [], removed: ["../x"] }, /removed/],
    ] as const) {
      const r = await alice().put(uid(), body);
      expect(r.status).toBe(400);
      expect(((await r.json()) as { error: { message: string } }).error.message).toMatch(why);
    }
  });
});

describe("changes reach the owner's other pages (GET /api/conversations/changes)", () => {
  test("a copy, a rename, a delete and an answer are told to alice's open pages at once, named by the page that made them; bob hears nothing", async () => {
    const phone = await listen(alice());
    const other = await listen(bob());
    try {
      const copy = pageCopy();
      await alice().put(copy.id, copy, "laptop-1");
      expect(await phone.until((e) => e.id === copy.id)).toEqual({ id: copy.id, updatedAt: copy.updatedAt, by: "laptop-1" });
      await alice().rename(copy.id, "Cats");
      await phone.until((e) => e.id === copy.id && e.by === undefined && typeof e.updatedAt === "number" && e.updatedAt > copy.updatedAt);
      const conversation = uid();
      const res = await alice().chat({ messages: [{ role: "user", content: directive({ tokens: 30, delay: 20 }) }], conversation_id: conversation });
      await phone.until((e) => e.id === conversation && e.streaming === true);
      await readSse(res);
      await phone.until((e) => e.id === conversation && e.streaming === false);
      await alice().remove(copy.id);
      expect(await phone.until((e) => e.id === copy.id && e.removed === true)).toEqual({ id: copy.id, removed: true });
      await Bun.sleep(100);
      expect(other.events).toEqual([]);
    } finally {
      await Promise.all([phone.close(), other.close()]);
    }
  }, 15_000);

  test("the feed needs the owner's token, like every endpoint", async () => {
    expect((await api(chat.url, undefined).changes()).status).toBe(401);
    expect((await api(chat.url, "tok-wrong").changes()).status).toBe(401);
  });
});

describe("the conversations API's own budget", () => {
  test("ten times the chat's requests a minute per client, then 429 rate_limited with Retry-After; none where the chat has none", async () => {
    const limited = await startChat({
      env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_HISTORY: "on", CHAT_DATA_DIR: dataDir(), CHAT_REQUESTS_PER_MINUTE: "2" },
    });
    try {
      const client = api(limited.url, undefined);
      for (let i = 0; i < 20; i++) expect((await client.list()).status).toBe(200);
      const refused = await client.list();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await refused.json()) as { error: { type: string } }).error.type).toBe("rate_limited");
    } finally {
      await limited.stop();
    }
    // The suite's own server (loopback, no limit set) took every call above this test without one.
    for (let i = 0; i < 30; i++) expect((await alice().list()).status).toBe(200);
  }, 20_000);
});

describe("the change feed over a long quiet spell", () => {
  test("stays open past Bun's 10 s idle timeout even when pings are rarer than that (CHAT_HEARTBEAT_MS=60000)", async () => {
    const quiet = await startChat({
      env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_HISTORY: "on", CHAT_DATA_DIR: dataDir(), CHAT_HEARTBEAT_MS: "60000" },
    });
    const controller = new AbortController();
    try {
      const client = api(quiet.url, undefined);
      const res = await client.changes({ signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read(); // ": ok"
      await Bun.sleep(12_000);
      const copy = pageCopy();
      await client.put(copy.id, copy);
      const next = await Promise.race([reader.read(), Bun.sleep(3000).then(() => ({ done: true, value: undefined }))]);
      expect(next.done).toBe(false);
      expect(new TextDecoder().decode(next.value)).toContain(copy.id);
    } finally {
      controller.abort();
      await quiet.stop();
    }
  }, 30_000);
});
