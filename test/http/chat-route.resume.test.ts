import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { lastEventId, postChat, readSse, readThenDrop, resume, userSays } from "../support/sse.ts";

let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_RESUME_GRACE_S: "1" } });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});


describe("resumable streams", () => {
  test("every event of an answer carries an increasing id, and the response names the stream", async () => {
    const res = await postChat(chat.url, userSays(directive({ tokens: 6 })));
    expect(res.headers.get("x-stream-id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const s = await readSse(res);
    expect(s.events.map((e) => e.id)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
  });

  test.each([0, 1, 2, 7, 19, 33, 40, 41])(
    "a connection cut after %d events resumes with exactly the rest: nothing lost, nothing twice",
    async (cut) => {
      const b = { tokens: 40, delay: 5 };
      const controller = new AbortController();
      const res = await postChat(chat.url, userSays(directive(b)), { signal: controller.signal });
      const id = res.headers.get("x-stream-id")!;
      const first = await readThenDrop(res, cut, controller);
      const rest = await readSse(await resume(chat.url, id, lastEventId(first)));
      expect(first.text + rest.text).toBe(fakeText(b));
      expect(rest.done).toBe(true);
      const ids = [...first.events, ...rest.events].filter((e) => e.id).map((e) => Number(e.id));
      expect(ids).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
    },
  );

  test.each([1, 2, 57, 150, 201, 202])(
    "a re-attach after id %d, inside a burst (one upstream read of many tokens), gets exactly the events after it",
    async (after) => {
      const res = await postChat(chat.url, userSays(directive({ tokens: 200 })));
      const id = res.headers.get("x-stream-id")!;
      const full = await readSse(res);
      expect(full.events.length).toBe(202);
      const rest = await readSse(await resume(chat.url, id, String(after)));
      const fields = (e: { id?: string | undefined; event?: string | undefined; data: string }) => ({ id: e.id, event: e.event, data: e.data });
      expect(rest.events.map(fields)).toEqual(full.events.filter((e) => Number(e.id) > after).map(fields));
    },
  );

  test("an answer cut again and again, at every few events, reassembles exactly", async () => {
    const b = { tokens: 60, delay: 3 };
    const controller = new AbortController();
    let res = await postChat(chat.url, userSays(directive(b)), { signal: controller.signal });
    const id = res.headers.get("x-stream-id")!;
    let text = "";
    let last: string | undefined;
    for (let round = 0; round < 30; round++) {
      const c = new AbortController();
      if (round > 0) res = await resume(chat.url, id, last, { signal: c.signal });
      const part = await readThenDrop(res, 1 + (round % 4), round === 0 ? controller : c);
      text += part.text;
      last = lastEventId(part) ?? last;
      if (part.done) break;
    }
    const tail = await readSse(await resume(chat.url, id, last));
    expect(text + tail.text).toBe(fakeText(b));
  });

  test("re-attaching without Last-Event-ID replays from the start, also after the answer finished", async () => {
    const res = await postChat(chat.url, userSays(directive({ tokens: 5 })));
    const id = res.headers.get("x-stream-id")!;
    await readSse(res);
    const again = await readSse(await resume(chat.url, id));
    expect(again.text).toBe(fakeText({ tokens: 5 }));
    expect(again.done).toBe(true);
  });

  test("an unknown id is 404 JSON, a malformed Last-Event-ID is 400", async () => {
    const missing = await resume(chat.url, crypto.randomUUID());
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: "stream_not_found" } });
    const res = await postChat(chat.url, userSays(directive({ tokens: 2 })));
    const id = res.headers.get("x-stream-id")!;
    await res.text();
    expect((await resume(chat.url, id, "abc")).status).toBe(400);
  });

  test("a Last-Event-ID past the last event is 409 JSON (resume_unavailable), on a finished or a live answer", async () => {
    const done = await postChat(chat.url, userSays(directive({ tokens: 3 })));
    const id = done.headers.get("x-stream-id")!;
    const full = await readSse(done);
    const last = Number(lastEventId(full));
    expect(await readSse(await resume(chat.url, id, String(last)))).toMatchObject({ events: [], done: false });
    const past = await resume(chat.url, id, String(last + 1));
    expect(past.status).toBe(409);
    expect(await past.json()).toMatchObject({ error: { type: "resume_unavailable", message: expect.stringContaining(`ended at event ${last}`) } });

    const cancelled = fake.stats.cancelled;
    const controller = new AbortController();
    const live = await postChat(chat.url, userSays(directive({ tokens: 50, delay: 20 })), { signal: controller.signal });
    const liveId = live.headers.get("x-stream-id")!;
    const seen = Number(lastEventId(await readThenDrop(live, 2, controller)));
    const ahead = await resume(chat.url, liveId, String(seen + 1000));
    expect(ahead.status).toBe(409);
    expect(await ahead.json()).toMatchObject({ error: { type: "resume_unavailable" } });
    await fetch(`${chat.url}/api/chat/${liveId}`, { method: "DELETE" });
    // The next test counts cancelled upstream requests: this one's must have landed first.
    await fake.waitForCancelled(cancelled + 1);
  });

  test("a disconnected answer goes on for the grace period, then the upstream is cancelled", async () => {
    const cancelled = fake.stats.cancelled;
    const controller = new AbortController();
    const res = await postChat(chat.url, userSays(directive({ tokens: 500, delay: 20 })), { signal: controller.signal });
    await readThenDrop(res, 2, controller);
    const dropped = performance.now();
    await Bun.sleep(500);
    expect(fake.stats.cancelled).toBe(cancelled);
    await fake.waitForCancelled(cancelled + 1, 3000);
    const waited = performance.now() - dropped;
    expect(waited).toBeGreaterThan(900);
    expect(waited).toBeLessThan(2500);
  });

  test("Stop (DELETE) ends the answer at once, keeps the partial text, and cancels the upstream", async () => {
    const cancelled = fake.stats.cancelled;
    const res = await postChat(chat.url, userSays(directive({ tokens: 500, delay: 20 })));
    const id = res.headers.get("x-stream-id")!;
    const reading = readSse(res);
    await Bun.sleep(150);
    const stop = await fetch(`${chat.url}/api/chat/${id}`, { method: "DELETE" });
    expect(stop.status).toBe(204);
    const s = await reading;
    expect(s.text.length).toBeGreaterThan(0);
    expect(s.finish?.finish_reason).toBe("stopped");
    expect(s.done).toBe(true);
    await fake.waitForCancelled(cancelled + 1, 1000);
    const replay = await readSse(await resume(chat.url, id));
    expect(replay.text).toBe(s.text);
    expect((await fetch(`${chat.url}/api/chat/${crypto.randomUUID()}`, { method: "DELETE" })).status).toBe(404);
  });

  test("a per-answer event limit ends the answer with a clear error and stops the upstream", async () => {
    const small = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_RESUME_MAX_EVENTS: "10" } });
    try {
      const s = await readSse(await postChat(small.url, userSays(directive({ tokens: 50, delay: 2 }))));
      expect(s.text).toBe(fakeText({ tokens: 10 }));
      expect(s.error).toMatchObject({ type: "resume_buffer_full" });
    } finally {
      await small.stop();
    }
  });

  test("with an access token, re-attaching needs it too", async () => {
    const authed = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_AUTH_TOKEN: "tok" } });
    try {
      const auth = { Authorization: "Bearer tok" };
      const res = await postChat(authed.url, userSays(directive({ tokens: 3 })), { headers: { "Content-Type": "application/json", ...auth } });
      const id = res.headers.get("x-stream-id")!;
      await res.text();
      expect((await resume(authed.url, id)).status).toBe(401);
      expect((await readSse(await resume(authed.url, id, undefined, { headers: auth }))).done).toBe(true);
    } finally {
      await authed.stop();
    }
  });
});
