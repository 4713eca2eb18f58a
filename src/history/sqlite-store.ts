import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type {
  AnswerStart,
  AnswerUpdate,
  ConversationRecord,
  ConversationSummary,
  ConversationSync,
  HistoryStore,
  ListPage,
  ListQuery,
  MessageRecord,
} from "./store.ts";
import { placeMessages } from "./placement.ts";
import { SQLITE_MIGRATIONS } from "./sqlite-migrations.ts";
import { decodeCursor, encodeCursor, likePattern, searchWords, summaryTitle } from "./query.ts";
import { type MessageRow, metaOf, toMessage } from "./message-row.ts";

export interface SqliteOptions {
  /** The database file (":memory:" in tests). */
  path: string;
  /** Extra pragmas run after opening (tests: `max_page_count` to fill the "disk"). */
  pragmas?: readonly string[];
}

/**
 * The history in one SQLite file (bun:sqlite), WAL mode: readers never wait for the writer, and a write
 * is durable against a crash of this process (synchronous=NORMAL loses only on power loss). bun:sqlite
 * is synchronous, so a lock is waited for at most 100 ms (busy_timeout) before failing: a long wait
 * would stall every stream of the process; the caller retries instead.
 *
 * The file is opened lazily and again after a failure, so a database that was locked, full, missing or
 * corrupt at one moment works again once it is fixed, without a restart.
 */
export class SqliteHistoryStore implements HistoryStore {
  readonly #o: SqliteOptions;
  #db: Database | undefined;
  /** Answers left streaming are marked lost at the first open only: a reopen after a failure finds this process's own live answers. */
  #recovered = false;

  constructor(options: SqliteOptions) {
    this.#o = options;
  }

  /** Opens the file now (creating it and running migrations), so a start-up problem is logged at once. */
  open(): void {
    this.#use(() => undefined);
  }

  async list(owner: string, q: ListQuery): Promise<ListPage> {
    return this.#use((db) => {
      const where = ["c.owner = ?"];
      const args: (string | number)[] = [owner];
      const after = decodeCursor(q.cursor);
      if (after) {
        where.push("(c.updated_at < ? OR (c.updated_at = ? AND c.id < ?))");
        args.push(after.updatedAt, after.updatedAt, after.id);
      }
      for (const word of searchWords(q.search)) {
        const like = likePattern(word);
        where.push(
          `(c.title LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m WHERE m.owner = c.owner AND m.conversation_id = c.id AND m.content LIKE ? ESCAPE '\\'))`,
        );
        args.push(like, like);
      }
      const rows = db
        .query<
          { id: string; title: string | null; first: string | null; created_at: number; updated_at: number; streaming: number },
          (string | number)[]
        >(
          `SELECT c.id, c.title, c.created_at, c.updated_at,
             (SELECT content FROM messages m WHERE m.owner = c.owner AND m.conversation_id = c.id AND m.role = 'user' ORDER BY m.seq LIMIT 1) AS first,
             EXISTS (SELECT 1 FROM messages m WHERE m.owner = c.owner AND m.conversation_id = c.id AND m.status = 'streaming') AS streaming
           FROM conversations c WHERE ${where.join(" AND ")}
           ORDER BY c.updated_at DESC, c.id DESC LIMIT ?`,
        )
        .all(...args, q.limit + 1);
      const items: ConversationSummary[] = rows.slice(0, q.limit).map((r) => ({
        id: r.id,
        title: summaryTitle(r.title, r.first),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        streaming: r.streaming === 1,
      }));
      const last = items.at(-1);
      return { items, next: rows.length > q.limit && last ? encodeCursor(last) : undefined };
    });
  }

  async get(owner: string, id: string): Promise<ConversationRecord | undefined> {
    return this.#use((db) => {
      const c = db
        .query<{ id: string; title: string | null; settings: string; leaf: string | null; created_at: number; updated_at: number }, [string, string]>(
          "SELECT id, title, settings, leaf, created_at, updated_at FROM conversations WHERE id = ? AND owner = ?",
        )
        .get(id, owner);
      if (!c) return undefined;
      const rows = db
        .query<MessageRow, [string, string]>(
          "SELECT id, parent, role, content, reasoning, status, meta, stream_id FROM messages WHERE owner = ? AND conversation_id = ? ORDER BY seq",
        )
        .all(owner, id);
      return {
        id: c.id,
        title: c.title ?? undefined,
        createdAt: c.created_at,
        updatedAt: c.updated_at,
        leaf: c.leaf ?? undefined,
        settings: JSON.parse(c.settings) as Record<string, unknown>,
        messages: rows.map(toMessage),
      };
    });
  }

  async insert(owner: string, c: Omit<ConversationRecord, "createdAt" | "updatedAt"> & { createdAt?: number }): Promise<ConversationRecord> {
    const now = Date.now();
    const saved: ConversationRecord = { ...c, createdAt: c.createdAt ?? now, updatedAt: now };
    this.#use((db) =>
      db.transaction(() => {
        db.query("INSERT INTO conversations (id, owner, title, settings, leaf, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)").run(
          c.id,
          owner,
          c.title ?? null,
          JSON.stringify(c.settings),
          c.leaf ?? null,
          saved.createdAt,
          now,
        );
        c.messages.forEach((m, seq) => insertMessage(db, owner, c.id, seq, m));
      })(),
    );
    return saved;
  }

  async rename(owner: string, id: string, title: string | undefined): Promise<boolean> {
    return this.#use(
      (db) =>
        db.query("UPDATE conversations SET title = ?, updated_at = ? WHERE id = ? AND owner = ?").run(title ?? null, Date.now(), id, owner).changes >
        0,
    );
  }

  async remove(owner: string, id: string): Promise<boolean> {
    return this.#use((db) => db.query("DELETE FROM conversations WHERE id = ? AND owner = ?").run(id, owner).changes > 0);
  }

  async put(owner: string, sync: ConversationSync): Promise<{ updatedAt: number }> {
    return this.#use((db) => db.transaction(() => putConversation(db, owner, sync))());
  }

  async startAnswer(a: AnswerStart): Promise<boolean> {
    return this.#use((db) => db.transaction(() => startAnswer(db, a))());
  }

  async saveAnswers(updates: readonly AnswerUpdate[], starts: readonly AnswerStart[] = []): Promise<string[]> {
    return this.#use((db) =>
      db.transaction(() => {
        const refused = starts.filter((s) => !startAnswer(db, s)).map((s) => s.answerId);
        const whole = db.query(
          `UPDATE messages SET content = ?, reasoning = ?, status = ?, meta = ?, stream_id = CASE WHEN ? = 'streaming' THEN stream_id END
           WHERE conversation_id = ? AND id = ? AND owner = ?`,
        );
        // Only what came since the last save crosses into SQLite (AnswerUpdate.from).
        const append = db.query(
          `UPDATE messages SET content = content || ?, reasoning = reasoning || ?, status = ?, meta = ?, stream_id = CASE WHEN ? = 'streaming' THEN stream_id END
           WHERE conversation_id = ? AND id = ? AND owner = ?`,
        );
        const touch = db.query("UPDATE conversations SET updated_at = ? WHERE id = ? AND owner = ?");
        for (const u of updates) {
          const [content, reasoning, message] = u.from
            ? [u.content.slice(u.from.content), u.reasoning.slice(u.from.reasoning), append]
            : [u.content, u.reasoning, whole];
          message.run(content, reasoning, u.status, JSON.stringify(u.meta), u.status, u.conversationId, u.answerId, u.owner);
          touch.run(u.at, u.conversationId, u.owner);
        }
        return refused;
      })(),
    );
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }

  /** Runs `fn` on the open database; on a failure the handle is dropped, so the next call opens it anew. */
  #use<T>(fn: (db: Database) => T): T {
    try {
      return fn(this.#db ?? (this.#db = this.#openFile()));
    } catch (err) {
      if (isBroken(err)) {
        this.#db?.close();
        this.#db = undefined;
      }
      throw err;
    }
  }
  #openFile(): Database {
    const { path } = this.#o;
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { create: true });
    try {
      db.run("PRAGMA busy_timeout = 100");
      db.run("PRAGMA journal_mode = WAL");
      db.run("PRAGMA synchronous = NORMAL");
      // Checkpoints of 1 MB, not SQLite's 4 MB: each runs inside some commit on the event loop, and copying
      // 4 MB with its fsync stalled streams 20–70 ms under hundreds of answers (bench/history-pauses.ts).
      db.run("PRAGMA wal_autocheckpoint = 250");
      db.run("PRAGMA foreign_keys = ON");
      for (const p of this.#o.pragmas ?? []) db.run(`PRAGMA ${p}`);
      migrate(db);
      // Answers that were streaming when the process died (kill -9, power) will never finish: say so.
      if (!this.#recovered)
        db.query(`UPDATE messages SET status = 'error', stream_id = NULL, meta = json_set(meta, '$.error', json(?)) WHERE status = 'streaming'`).run(
          JSON.stringify({
            message: "The server stopped while writing this answer; the text above is what was saved.",
            type: "generation_lost",
            status: 502,
          }),
        );
      this.#recovered = true;
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  }
}

/** An answer's start (see HistoryStore.startAnswer), inside the caller's transaction. */
function startAnswer(db: Database, a: AnswerStart): boolean {
  const conv = db.query("SELECT 1 FROM conversations WHERE owner = ? AND id = ?").get(a.owner, a.conversationId);
  if (!conv) {
    db.query("INSERT INTO conversations (id, owner, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)").run(
      a.conversationId,
      a.owner,
      JSON.stringify(a.settings),
      a.at,
      a.at,
    );
  }
  const existing = db
    .query<{ id: string; parent: string | null; role: string; content: string }, [string, string]>(
      "SELECT id, parent, role, content FROM messages WHERE owner = ? AND conversation_id = ? ORDER BY seq",
    )
    .all(a.owner, a.conversationId)
    .map((m) => ({ ...m, parent: m.parent ?? undefined }));
  // A client that names its answer by an id already used is not saved (its updates would land on another message).
  if (existing.some((m) => m.id === a.answerId)) return false;
  const taken = new Set(existing.map((m) => m.id));
  // After the page removed some, the count is not the next number: the highest is.
  let seq = db
    .query<{ next: number }, [string, string]>("SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM messages WHERE owner = ? AND conversation_id = ?")
    .get(a.owner, a.conversationId)!.next;
  let { parent, rest } = placeMessages(existing, a.messages);
  for (const m of rest) {
    const id = m.id !== undefined && !taken.has(m.id) && m.id !== a.answerId ? m.id : crypto.randomUUID();
    taken.add(id);
    insertMessage(db, a.owner, a.conversationId, seq++, {
      id,
      parent,
      role: m.role === "assistant" ? "assistant" : "user",
      content: m.content,
      ...(m.role === "assistant" && { status: "done" }),
    });
    parent = id;
  }
  insertMessage(db, a.owner, a.conversationId, seq, { id: a.answerId, parent, role: "assistant", content: "", status: "streaming", streamId: a.streamId });
  db.query("UPDATE conversations SET leaf = ?, settings = ?, updated_at = ? WHERE owner = ? AND id = ?").run(
    a.answerId,
    JSON.stringify(a.settings),
    a.at,
    a.owner,
    a.conversationId,
  );
  return true;
}

/** The page's copy in (see HistoryStore.put), inside the caller's transaction. */
function putConversation(db: Database, owner: string, c: ConversationSync): { updatedAt: number } {
  const conv = db.query<{ updated_at: number }, [string, string]>("SELECT updated_at FROM conversations WHERE owner = ? AND id = ?").get(owner, c.id);
  const updatedAt = Math.max(conv?.updated_at ?? 0, c.updatedAt);
  if (!conv) {
    db.query("INSERT INTO conversations (id, owner, title, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)").run(
      c.id,
      owner,
      c.title ?? null,
      JSON.stringify(c.settings),
      c.createdAt,
      updatedAt,
    );
  }
  const remove = db.query("DELETE FROM messages WHERE owner = ? AND conversation_id = ? AND id = ? AND status IS NOT 'streaming'");
  for (const id of c.removed) remove.run(owner, c.id, id);
  const have = new Map(
    db
      .query<{ id: string; role: string }, [string, string]>("SELECT id, role FROM messages WHERE owner = ? AND conversation_id = ?")
      .all(owner, c.id)
      .map((m) => [m.id, m.role]),
  );
  let seq = db
    .query<{ next: number }, [string, string]>("SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM messages WHERE owner = ? AND conversation_id = ?")
    .get(owner, c.id)!.next;
  const question = db.query("UPDATE messages SET content = ?, meta = ? WHERE owner = ? AND conversation_id = ? AND id = ? AND role = 'user'");
  for (const m of c.messages) {
    const role = have.get(m.id);
    if (role === undefined) {
      // An answer the page still shows as arriving is the server's to write, not the page's.
      if (m.status !== "streaming") insertMessage(db, owner, c.id, seq++, m);
    } else if (role === "user" && m.role === "user") {
      question.run(m.content, metaOf(m), owner, c.id, m.id);
    }
  }
  const leafKnown =
    c.leaf !== undefined && db.query("SELECT 1 FROM messages WHERE owner = ? AND conversation_id = ? AND id = ?").get(owner, c.id, c.leaf) !== null;
  db.query("UPDATE conversations SET settings = ?, updated_at = ?, leaf = CASE WHEN ? THEN ? ELSE leaf END WHERE owner = ? AND id = ?").run(
    JSON.stringify(c.settings),
    updatedAt,
    leafKnown ? 1 : 0,
    c.leaf ?? null,
    owner,
    c.id,
  );
  return { updatedAt };
}

function migrate(db: Database): void {
  const { user_version: version } = db.query<{ user_version: number }, []>("PRAGMA user_version").get()!;
  if (version > SQLITE_MIGRATIONS.length) {
    throw new Error(`the history database is version ${version}, newer than this release knows (${SQLITE_MIGRATIONS.length}); use a newer chat`);
  }
  for (let v = version; v < SQLITE_MIGRATIONS.length; v++) {
    db.transaction(() => {
      for (const statement of SQLITE_MIGRATIONS[v]!) db.run(statement);
      db.run(`PRAGMA user_version = ${v + 1}`);
    })();
  }
}

function insertMessage(db: Database, owner: string, conversationId: string, seq: number, m: MessageRecord): void {
  const { id, parent, role, content, reasoning, status, streamId } = m;
  db.query(
    "INSERT INTO messages (owner, conversation_id, id, seq, parent, role, content, reasoning, status, meta, stream_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  ).run(owner, conversationId, id, seq, parent ?? null, role, content, reasoning ?? "", status ?? null, metaOf(m), streamId ?? null);
}

/** Errors after which the handle is reopened: the file was replaced, repaired, or came back. */
function isBroken(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" && /^SQLITE_(CORRUPT|NOTADB|IOERR|CANTOPEN|READONLY)/.test(code);
}
