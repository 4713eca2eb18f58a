import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteHistoryStore } from "../../src/history/sqlite-store.ts";
import { SQLITE_MIGRATIONS } from "../../src/history/sqlite-migrations.ts";
import { describeHistoryStore } from "./store-contract.ts";

const dir = mkdtempSync(join(tmpdir(), "chat-history-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => join(dir, `h${++n}`, "history.sqlite");

describeHistoryStore("sqlite", async () => new SqliteHistoryStore({ path: fresh() }));

const start = (conversationId = crypto.randomUUID()) => ({
  owner: "local",
  conversationId,
  messages: [{ role: "user" as const, content: "Hi" }],
  settings: {},
  answerId: crypto.randomUUID(),
  streamId: crypto.randomUUID(),
  at: Date.now(),
});

describe("the SQLite file", () => {
  test("is created on first use, folders included, in WAL mode at the latest schema version", async () => {
    const path = fresh();
    const store = new SqliteHistoryStore({ path });
    store.open();
    const db = new Database(path, { readonly: true });
    expect(db.query<{ journal_mode: string }, []>("PRAGMA journal_mode").get()!.journal_mode).toBe("wal");
    expect(db.query<{ user_version: number }, []>("PRAGMA user_version").get()!.user_version).toBe(SQLITE_MIGRATIONS.length);
    db.close();
    await store.close();
  });

  test("keeps conversations across a reopen; an answer left streaming by a dead process is marked lost", async () => {
    const path = fresh();
    const a = new SqliteHistoryStore({ path });
    const s = start();
    await a.startAnswer(s);
    await a.saveAnswers([
      {
        owner: "local",
        conversationId: s.conversationId,
        answerId: s.answerId,
        content: "half",
        reasoning: "",
        status: "streaming",
        meta: {},
        at: 1,
      },
    ]);
    // No close: as after kill -9.
    const b = new SqliteHistoryStore({ path });
    const answer = (await b.get("local", s.conversationId))!.messages[1]!;
    expect(answer).toMatchObject({ content: "half", status: "error", error: { type: "generation_lost" } });
    expect(answer.streamId).toBeUndefined();
    await a.close();
    await b.close();
  });

  test("a database written by the first release (ids shared by all owners) is brought up to date with everything in it", async () => {
    const path = fresh();
    mkdirSync(join(path, ".."), { recursive: true });
    const db = new Database(path, { create: true });
    for (const statement of SQLITE_MIGRATIONS[0]!) db.run(statement);
    db.run("PRAGMA user_version = 1");
    db.run("INSERT INTO conversations VALUES ('c1', 'alice', 'Kept', '{\"model\":\"m\"}', 'a1', 1, 2)");
    db.run("INSERT INTO messages VALUES ('c1', 'q1', 0, NULL, 'user', 'Hi', '', NULL, '{}', NULL)");
    db.run("INSERT INTO messages VALUES ('c1', 'a1', 1, 'q1', 'assistant', 'Hello', 'hmm', 'done', '{\"model\":\"m\"}', NULL)");
    db.close();
    const store = new SqliteHistoryStore({ path });
    expect(await store.get("alice", "c1")).toEqual({
      id: "c1",
      title: "Kept",
      createdAt: 1,
      updatedAt: 2,
      leaf: "a1",
      settings: { model: "m" },
      messages: [
        { id: "q1", role: "user", content: "Hi" },
        { id: "a1", parent: "q1", role: "assistant", content: "Hello", reasoning: "hmm", status: "done", model: "m" },
      ],
    });
    expect(await store.get("bob", "c1")).toBeUndefined();
    expect(await store.remove("alice", "c1")).toBe(true);
    await store.close();
    const after = new Database(path);
    expect(after.query("SELECT COUNT(*) AS n FROM messages").get()).toEqual({ n: 0 });
    after.close();
  });

  test("a database from a newer release is refused with a message saying so", async () => {
    const path = fresh();
    const store = new SqliteHistoryStore({ path });
    store.open();
    await store.close();
    const db = new Database(path);
    db.run(`PRAGMA user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    db.close();
    expect(() => new SqliteHistoryStore({ path }).open()).toThrow("newer than this release knows");
  });

  test("a full disk fails the save, keeps what was saved, and the same save succeeds once there is room", async () => {
    const path = fresh();
    const setup = new SqliteHistoryStore({ path });
    const s = start();
    await setup.startAnswer(s);
    await setup.close();
    const pages = new Database(path).query<{ page_count: number }, []>("PRAGMA page_count").get()!.page_count;
    // max_page_count is SQLite's own "disk full" (SQLITE_FULL), per connection.
    const full = new SqliteHistoryStore({ path, pragmas: [`max_page_count = ${pages}`] });
    const big = {
      owner: "local",
      conversationId: s.conversationId,
      answerId: s.answerId,
      content: "x".repeat(200_000),
      reasoning: "",
      status: "done" as const,
      meta: {},
      at: 2,
    };
    await expect(full.saveAnswers([big])).rejects.toMatchObject({ code: "SQLITE_FULL" });
    expect((await full.get("local", s.conversationId))!.messages.map((m) => m.content)).toEqual(["Hi", ""]);
    await full.close();
    const roomy = new SqliteHistoryStore({ path });
    await roomy.saveAnswers([big]);
    expect((await roomy.get("local", s.conversationId))!.messages[1]!.content.length).toBe(200_000);
    await roomy.close();
  });

  test("a locked database fails within busy_timeout (never stalls the process) and works once the lock is gone", async () => {
    const path = fresh();
    const store = new SqliteHistoryStore({ path });
    const s = start();
    await store.startAnswer(s);
    const other = new Database(path);
    other.run("BEGIN EXCLUSIVE");
    const save = {
      owner: "local",
      conversationId: s.conversationId,
      answerId: s.answerId,
      content: "after",
      reasoning: "",
      status: "done" as const,
      meta: {},
      at: 3,
    };
    const t0 = performance.now();
    await expect(store.saveAnswers([save])).rejects.toMatchObject({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    expect(performance.now() - t0).toBeLessThan(1000);
    other.run("COMMIT");
    other.close();
    await store.saveAnswers([save]);
    expect((await store.get("local", s.conversationId))!.messages[1]!.content).toBe("after");
    await store.close();
  });

  test("a corrupt file fails every call with its code, and works again once the file is replaced", async () => {
    const path = fresh();
    const good = new SqliteHistoryStore({ path });
    good.open();
    await good.close();
    rmSync(`${path}-wal`, { force: true });
    rmSync(`${path}-shm`, { force: true });
    writeFileSync(path, "this is not a database, just bytes ".repeat(200));
    const store = new SqliteHistoryStore({ path });
    await expect(store.list("local", { limit: 5 })).rejects.toMatchObject({ code: "SQLITE_NOTADB" });
    rmSync(path);
    expect((await store.list("local", { limit: 5 })).items).toEqual([]);
    await store.close();
  });
});
