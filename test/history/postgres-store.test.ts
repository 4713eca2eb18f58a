import { SQL } from "bun";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { History } from "../../src/history/history.ts";
import { POSTGRES_MIGRATIONS } from "../../src/history/postgres-migrations.ts";
import { PostgresHistoryStore } from "../../src/history/postgres-store.ts";
import type { AnswerStart, AnswerUpdate } from "../../src/history/store.ts";
import type { Burst } from "../../src/wire/burst.ts";
import { AnswerFrames } from "../../src/wire/answer-frames.ts";
import { startChat } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI } from "../support/fake-openai.ts";
import { type PostgresServer, hasPostgres, requirePostgresInCI, startPostgres } from "../support/postgres.ts";
import { readSse } from "../support/sse.ts";
import { describeHistoryStore } from "./store-contract.ts";
import { answerOf, api, waitForConversation } from "./support.ts";

// Under CI=true a missing Postgres fails here; elsewhere the file skips.
requirePostgresInCI();

/**
 * The store contract (store-contract.ts) on Postgres, on a private cluster (test/support/postgres.ts):
 * a fresh database per store, so every test starts empty. Then what only Postgres has: several
 * processes on one database, and the server going away and coming back.
 */
let pg: PostgresServer;
const stores: PostgresHistoryStore[] = [];
const open = async (o: { url?: string; leaseMs?: number; heartbeatMs?: number } = {}) => {
  const store = new PostgresHistoryStore({ url: o.url ?? (await pg.createDatabase()), leaseMs: o.leaseMs, heartbeatMs: o.heartbeatMs });
  stores.push(store);
  return store;
};

if (!hasPostgres) {
  test.skip("Postgres history store (skipped: no /usr/lib/postgresql/*/bin; CI=true makes this a failure instead)", () => {});
} else {
  beforeAll(async () => {
    pg = await startPostgres();
  }, 30_000);
  afterAll(async () => {
    for (const s of stores) await s.close().catch(() => {});
    await pg?.destroy();
  }, 30_000);

  describeHistoryStore("postgres", () => open());

  const start = (conversationId = crypto.randomUUID()): AnswerStart => ({
    owner: "local",
    conversationId,
    messages: [{ role: "user", content: "Hi" }],
    settings: {},
    answerId: crypto.randomUUID(),
    streamId: crypto.randomUUID(),
    at: Date.now(),
  });
  const update = (s: AnswerStart, o: Partial<AnswerUpdate> = {}): AnswerUpdate => ({
    owner: s.owner,
    conversationId: s.conversationId,
    answerId: s.answerId,
    content: "half",
    reasoning: "",
    status: "streaming",
    meta: {},
    at: Date.now(),
    ...o,
  });

  describe("the Postgres database", () => {
    test("is migrated on first connect to the latest version, once, even by several instances starting together", async () => {
      const url = await pg.createDatabase();
      const all = await Promise.all([1, 2, 3, 4].map(() => open({ url })));
      await Promise.all(all.map((s) => s.open()));
      const sql = new SQL({ url, max: 1 });
      expect(await sql`SELECT version FROM schema_version`).toEqual([{ version: POSTGRES_MIGRATIONS.length }]);
      expect((await sql`SELECT count(*)::int AS n FROM history_instances`)[0].n).toBe(4);
      await sql.close();
      for (const s of all) await s.close();
    }, 20_000);

    test("changes saved through one instance reach the owner's listeners on the others (NOTIFY/LISTEN), once, and never another owner's", async () => {
      const url = await pg.createDatabase();
      const [a, b] = [await open({ url }), await open({ url })];
      const [ha, hb] = [new History({ store: a, saveEveryMs: 60_000 }), new History({ store: b, saveEveryMs: 60_000 })];
      const onB: unknown[] = [];
      const onA: unknown[] = [];
      const bobOnB: unknown[] = [];
      hb.changes.subscribe("local", (c) => onB.push(c));
      hb.changes.subscribe("bob", (c) => bobOnB.push(c));
      ha.changes.subscribe("local", (c) => onA.push(c));
      // Both listening before anything is told.
      for (let i = 0; i < 100 && onB.length === 0; i++) {
        ha.changes.publish("local", { id: "probe" });
        await Bun.sleep(20);
      }
      const told = (list: unknown[]) => list.filter((c) => (c as { id: string }).id !== "probe");
      const s = start();
      await a.startAnswer(s);
      await a.saveAnswers([update(s, { status: "done", content: "Hello" })]);
      ha.changes.publish("local", { id: s.conversationId, updatedAt: 7, by: "laptop" });
      const until = performance.now() + 5000;
      while (told(onB).length === 0 && performance.now() < until) await Bun.sleep(10);
      await Bun.sleep(50);
      expect(told(onB)).toEqual([{ id: s.conversationId, updatedAt: 7, by: "laptop" }]);
      expect(told(onA)).toEqual([{ id: s.conversationId, updatedAt: 7, by: "laptop" }]);
      expect(bobOnB).toEqual([]);
      await Promise.all([ha.close(), hb.close()]);
    }, 20_000);

    test("a database from a newer release is refused with a message saying so", async () => {
      const url = await pg.createDatabase();
      const first = await open({ url });
      await first.open();
      await first.close();
      const sql = new SQL({ url, max: 1 });
      await sql`INSERT INTO schema_version (version) VALUES (${POSTGRES_MIGRATIONS.length + 1})`;
      await sql.close();
      const store = await open({ url });
      await expect(store.open()).rejects.toThrow("newer than this release knows");
      await expect(store.list("local", { limit: 5 })).rejects.toThrow("newer than this release knows");
    }, 20_000);

    test("an answer left streaming by a crashed process is marked lost once its lease runs out; a live instance's answers are never touched", async () => {
      const url = await pg.createDatabase();
      const lease = { leaseMs: 1500, heartbeatMs: 100 };
      // The crashed one: never closed, its heartbeat stopped (as after kill -9).
      const crashed = new PostgresHistoryStore({ url, heartbeatMs: 600_000, leaseMs: 1500 });
      stores.push(crashed);
      const dead = start();
      await crashed.startAnswer(dead);
      await crashed.saveAnswers([update(dead)]);
      const live = await open({ url, ...lease });
      const alive = start();
      await live.startAnswer(alive);
      // It died just now: its last heartbeat is fresh. Another instance starting must not take its answer for lost yet.
      const sql = new SQL({ url, max: 1 });
      await sql`UPDATE history_instances SET seen_at = now() WHERE id = ${crashed.instance}`;
      const other = await open({ url, ...lease });
      await other.open();
      expect((await other.get("local", dead.conversationId))!.messages[1]).toMatchObject({ status: "streaming", streamId: dead.streamId });
      // Once the lease has run out, the next sweep (any instance's) marks it.
      const until = performance.now() + 10_000;
      while ((await other.get("local", dead.conversationId))!.messages[1]!.status === "streaming" && performance.now() < until) await Bun.sleep(100);
      const lost = (await other.get("local", dead.conversationId))!.messages[1]!;
      expect(lost).toMatchObject({ content: "half", status: "error", error: { type: "generation_lost", status: 502 } });
      expect(lost.streamId).toBeUndefined();
      // The live instance kept its heartbeat: its answer still streams, and finishes.
      expect((await other.get("local", alive.conversationId))!.messages[1]).toMatchObject({ status: "streaming", streamId: alive.streamId });
      await live.saveAnswers([update(alive, { content: "whole", status: "done", meta: { finishReason: "stop" } })]);
      expect((await other.get("local", alive.conversationId))!.messages[1]).toMatchObject({ content: "whole", status: "done", finishReason: "stop" });
      const [row] = await sql`SELECT meta FROM messages WHERE id = ${dead.answerId}`;
      expect(JSON.parse(row.meta)).toEqual({ error: { message: expect.any(String), type: "generation_lost", status: 502 } });
      await sql.close();
    }, 20_000);

    test("closing marks the instance's own unfinished answers lost at once and leaves", async () => {
      const url = await pg.createDatabase();
      const a = await open({ url });
      const s = start();
      await a.startAnswer(s);
      await a.saveAnswers([update(s, { content: "part", meta: { model: "m" } })]);
      await a.close();
      const b = await open({ url });
      const answer = (await b.get("local", s.conversationId))!.messages[1]!;
      expect(answer).toMatchObject({ content: "part", status: "error", model: "m", error: { type: "generation_lost" } });
      const sql = new SQL({ url, max: 1 });
      expect((await sql`SELECT id FROM history_instances`).map((r: { id: string }) => r.id)).toEqual([b.instance]);
      await sql.close();
    }, 20_000);

    test("a save with `from` appends only what the answer gained; without it, whole texts replace what was there", async () => {
      const store = await open();
      const s = start();
      await store.startAnswer(s);
      await store.saveAnswers([update(s, { content: "Ray", reasoning: "Th" })]);
      await store.saveAnswers([update(s, { content: "Rayleigh", reasoning: "Think", from: { content: 3, reasoning: 2 } })]);
      expect((await store.get("local", s.conversationId))!.messages[1]).toMatchObject({ content: "Rayleigh", reasoning: "Think" });
      await store.saveAnswers([update(s, { content: "Rayleigh\0 done", reasoning: "Think", status: "done", from: { content: 8, reasoning: 5 } })]);
      expect((await store.get("local", s.conversationId))!.messages[1]).toMatchObject({ content: "Rayleigh\uFFFD done", status: "done" });
      await store.saveAnswers([update(s, { content: "Whole", reasoning: "", status: "done" })]);
      const answer = (await store.get("local", s.conversationId))!.messages[1]!;
      expect(answer.content).toBe("Whole");
      expect(answer.reasoning).toBeUndefined();
    }, 20_000);

    test("a NUL in an answer is saved as U+FFFD instead of failing every save", async () => {
      const store = await open();
      const s = start();
      await store.startAnswer(s);
      await store.saveAnswers([update(s, { content: "a\0b", status: "done" })]);
      expect((await store.get("local", s.conversationId))!.messages[1]!.content).toBe("a\uFFFDb");
      expect((await store.list("local", { limit: 5, search: "a\0b" })).items.length).toBe(1);
    }, 20_000);

    test("the list refuses a forged cursor as a bad cursor, not as a store failure", async () => {
      const store = await open();
      const forged = Buffer.from(JSON.stringify([1.5e300, "x"])).toString("base64url");
      await expect(store.list("local", { limit: 5, cursor: forged })).rejects.toThrow("The cursor is not one this server gave.");
    }, 20_000);
  });

  describe("Postgres going away", () => {
    test("every call fails while it is down and works again once it is back, without a new store", async () => {
      const store = await open();
      const s = start();
      await store.startAnswer(s);
      await pg.stop("immediate");
      try {
        await expect(store.saveAnswers([update(s, { content: "later", status: "done" })])).rejects.toMatchObject({
          code: expect.stringMatching(/^ERR_POSTGRES_/),
        });
        await expect(store.list("local", { limit: 5 })).rejects.toBeDefined();
      } finally {
        await pg.start();
      }
      await store.saveAnswers([update(s, { content: "later", status: "done" })]);
      expect((await store.get("local", s.conversationId))!.messages[1]).toMatchObject({ content: "later", status: "done" });
    }, 30_000);

    test("a first connect that fails is tried again at the next call", async () => {
      const url = await pg.createDatabase();
      await pg.stop("fast");
      const store = await open({ url });
      try {
        await expect(store.open()).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_POSTGRES_/) });
      } finally {
        await pg.start();
      }
      expect((await store.list("local", { limit: 5 })).items).toEqual([]);
    }, 30_000);

    test("mid-answer: History.save fails, the attached reader still gets the whole stream, and after a restart the next save writes everything", async () => {
      const store = await open();
      const lines: string[] = [];
      const history = new History({ store, saveEveryMs: 50, log: (l) => lines.push(l) });
      // What an attached reader receives: every burst the writer passes on.
      const received: string[] = [];
      const reports: { saved: boolean; message?: string }[] = [];
      let ended = false;
      const s = start();
      const writer = history.record({
        start: s,
        writer: {
          append: (b: Burst) => void received.push(b.text),
          end: (b: Burst) => {
            received.push(b.text);
            ended = true;
          },
          onStop() {},
          hasReaders: async () => true,
        },
        report: (saved, message) => void reports.push({ saved, ...(message !== undefined && { message }) }),
      });
      const frames = new AnswerFrames();
      const say = (text: string) => {
        frames.content(text);
        writer.append(frames.take()!);
      };
      say("one ");
      await history.save();
      expect((await store.get("local", s.conversationId))!.messages[1]).toMatchObject({ content: "one ", status: "streaming" });
      await pg.stop("immediate");
      try {
        say("two ");
        await history.save();
        say("three");
        frames.event("finish", '{"finish_reason":"stop"}');
        frames.done();
        writer.end(frames.take()!);
        await history.save();
        expect(history.failure).toMatch(/ERR_POSTGRES_/);
        expect(lines[0]).toMatch(/^chat: history: cannot save answers \(ERR_POSTGRES_/);
        expect(reports[0]).toMatchObject({ saved: false, message: expect.stringContaining("not being saved") });
        // The reader got it all regardless.
        expect(ended).toBe(true);
        expect(received.join("")).toContain("three");
      } finally {
        await pg.start();
      }
      await history.save();
      expect(history.failure).toBeUndefined();
      expect(lines.at(-1)).toBe("chat: history: saving works again; every answer kept meanwhile is saved");
      const answer = (await store.get("local", s.conversationId))!.messages[1]!;
      expect(answer).toMatchObject({ content: "one two three", status: "done", finishReason: "stop" });
      expect(answer.streamId).toBeUndefined();
      await history.close();
    }, 30_000);
  });

  describe("the server on Postgres (DATABASE_URL)", () => {
    const fake = startFakeOpenAI();
    afterAll(() => fake.stop());
    const env = (url: string) => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_HISTORY: "on", DATABASE_URL: url });
    /** The same database with a password in its URL (trust auth ignores it): the log must never show it. */
    const withPassword = (url: string) => url.replace("postgres@", "postgres:pg-s3cret-pw@");

    test("two instances share one database: an answer written through A is read, listed and continued through B, and told to B's change feed at once; the log names Postgres, never the password", async () => {
      const url = withPassword(await pg.createDatabase());
      const [a, b] = await Promise.all([startChat({ env: env(url) }), startChat({ env: env(url) })]);
      const feed = new AbortController();
      try {
        // A page on B follows the owner's changes; the answer is asked through A.
        const changes = await api(b.url, undefined).changes({ signal: feed.signal });
        const heard = (async () => {
          let text = "";
          for await (const chunk of changes.body!) {
            text += new TextDecoder().decode(chunk);
            if (/"streaming":false/.test(text)) return text;
          }
          return text;
        })().catch(() => "");
        await Bun.sleep(200); // B's LISTEN is up
        const res = await api(a.url, undefined).chat({ messages: [{ role: "user", content: directive({ tokens: 5 }) }] });
        const id = res.headers.get("x-conversation-id")!;
        expect((await readSse(res)).done).toBe(true);
        expect(await heard).toContain(`"id":"${id}"`);
        feed.abort();
        const c = await waitForConversation(api(b.url, undefined), id, (c) => answerOf(c)?.status === "done");
        expect(answerOf(c).content).toBe(fakeText({ tokens: 5 }));
        const list = (await (await api(b.url, undefined).list()).json()) as { items: { id: string }[] };
        expect(list.items.map((i) => i.id)).toEqual([id]);
        const next = await api(b.url, undefined).chat({
          conversation_id: id,
          messages: [
            { role: "user", content: directive({ tokens: 5 }) },
            { role: "assistant", content: fakeText({ tokens: 5 }) },
            { role: "user", content: directive({ tokens: 3 }) },
          ],
        });
        await readSse(next);
        const both = await waitForConversation(api(a.url, undefined), id, (c) => c.messages.length === 4 && answerOf(c).status === "done");
        expect(both.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant"]);
        for (const server of [a, b]) {
          expect(server.output()).toMatch(/chat: conversations kept in Postgres at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/t\d+_\d+/);
          expect(server.output()).not.toContain("pg-s3cret-pw");
        }
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    }, 30_000);

    test("Postgres going away mid-answer: the reader gets the whole answer and event: history {saved:false}; once it is back everything is saved", async () => {
      const url = await pg.createDatabase();
      const chat = await startChat({ env: env(url) });
      try {
        const b = { tokens: 60, delay: 20 };
        const res = await api(chat.url, undefined).chat({ messages: [{ role: "user", content: directive(b) }] });
        const id = res.headers.get("x-conversation-id")!;
        const reading = readSse(res);
        // Saved while streaming, then the database goes.
        await waitForConversation(api(chat.url, undefined), id, (c) => (answerOf(c)?.content.length ?? 0) > 0);
        await pg.stop("immediate");
        let s: Awaited<typeof reading>;
        try {
          s = await reading;
        } finally {
          await pg.start();
        }
        const seed = s.events.filter((e) => !e.event && e.data !== "[DONE]").map((e) => (JSON.parse(e.data) as { content: string }).content);
        expect(seed.join("")).toBe(fakeText(b));
        expect(s.done).toBe(true);
        const history = s.events.filter((e) => e.event === "history").map((e) => JSON.parse(e.data) as { saved: boolean; message?: string });
        expect(history[0]).toMatchObject({ saved: false, message: expect.stringContaining("ERR_POSTGRES_") });
        expect(chat.output()).toContain("chat: history: cannot save answers (ERR_POSTGRES_");
        const c = await waitForConversation(api(chat.url, undefined), id, (c) => answerOf(c).status === "done", 15_000);
        expect(answerOf(c).content).toBe(fakeText(b));
        expect(chat.output()).toContain("chat: history: saving works again");
      } finally {
        await chat.stop();
      }
    }, 30_000);

    test("started while Postgres is down: chats stream unsaved, the log says why, and saving starts once it is up", async () => {
      const url = await pg.createDatabase();
      await pg.stop("fast");
      let chat: Awaited<ReturnType<typeof startChat>> | undefined;
      try {
        chat = await startChat({ env: env(url) });
        const res = await api(chat.url, undefined).chat({ messages: [{ role: "user", content: directive({ tokens: 3 }) }] });
        const id = res.headers.get("x-conversation-id")!;
        expect((await readSse(res)).done).toBe(true);
        expect(chat.output()).toMatch(/chat: history: cannot open Postgres at postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+ \(ERR_POSTGRES_/);
        await pg.start();
        const c = await waitForConversation(api(chat.url, undefined), id, (c) => answerOf(c).status === "done", 15_000);
        expect(answerOf(c).content).toBe(fakeText({ tokens: 3 }));
      } finally {
        if (pg.pid() === undefined) await pg.start();
        await chat?.stop();
      }
    }, 30_000);
  });
}
