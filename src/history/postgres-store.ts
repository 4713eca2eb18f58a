import { SQL } from "bun";
import { POSTGRES_MIGRATIONS } from "./postgres-migrations.ts";
import type { Change, ChangeBus } from "./changes.ts";
import { placeMessages } from "./placement.ts";
import { BadCursor, decodeCursor, encodeCursor, likePattern, searchWords, summaryTitle } from "./query.ts";
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
import { type MessageRow, metaOf, toMessage } from "./message-row.ts";

export interface PostgresOptions {
  /** `postgres://user:password@host:port/database` (DATABASE_URL). */
  url: string;
  /** How often this process tells the database it is alive, and sweeps dead processes' answers. */
  heartbeatMs?: number;
  /** Silence after which another process's streaming answers are taken for lost (see the class comment). */
  leaseMs?: number;
  /** Connections in the pool. */
  max?: number;
}

type Tx = SQL;

const LOST = {
  message: "The server stopped while writing this answer; the text above is what was saved.",
  type: "generation_lost",
  status: 502,
};

/** Serialises schema changes between processes starting at once (any fixed 64-bit key). */
const MIGRATION_LOCK = 0x6275_6e63_6861_74n; // "bunchat"
/** The NOTIFY channel the instances tell each other of changes on. */
const CHANGES_CHANNEL = "bun_chat_history_changes";
/** Postgres refuses a NOTIFY payload of 8000 bytes or more: a batch of changes stays under this. */
const MAX_PAYLOAD = 7000;

/**
 * The history in Postgres through Bun's SQL client, for several instances on one database: the same
 * tables, answers and errors as SqliteHistoryStore (the same contract tests run on both).
 *
 * Bun's SQL is asynchronous and pooled: no write blocks the event loop, and a connection that broke
 * (Postgres restarted, the network dropped) is replaced at the next query, so a store that failed
 * works again by itself once Postgres is back; until then each call throws (History retries saves).
 * The first call connects and runs the migrations (under an advisory lock, so instances starting
 * together migrate once); a first call that fails is tried again at the next.
 *
 * Answers left streaming by a dead process. SQLite marks every streaming answer lost when it opens:
 * one process owns the file. Here another live instance may be writing some of them, so each streaming
 * answer records the process writing it (`messages.instance`, a random id per process), and every
 * process writes its heartbeat into `history_instances` every `heartbeatMs` (5 s). A streaming answer
 * is marked lost (error `generation_lost`, as in SQLite) once its process has not been heard from for
 * `leaseMs` (20 s) or is unknown, by whichever process sweeps next: at its first connect and after each
 * heartbeat. Times are the database's clock (now()), so clocks of the instances' hosts never matter.
 * A process that closes cleanly leaves at once (its row deleted, its streaming answers marked), so only
 * a crash (kill -9, a lost host) waits for the lease. An instance cut off from the database longer than
 * the lease may find its answers marked lost by another; its next save writes them back whole (text,
 * status, finish) except the re-attach id, which the sweep cleared. A row-age rule ("skip rows saved in
 * the last N seconds") was not used: an answer waiting minutes for its first token is not saved meanwhile.
 */
export class PostgresHistoryStore implements HistoryStore {
  /** This process, as recorded on the answers it streams. */
  readonly instance = crypto.randomUUID();
  readonly #sql: SQL;
  readonly #heartbeatMs: number;
  readonly #leaseMs: number;
  #ready: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #beating = false;
  #closed = false;
  #announcing: { owner: string; change: Change }[] = [];
  #subscription: SQL.ListenSubscription | undefined;
  #relisten: ReturnType<typeof setTimeout> | undefined;

  /**
   * Changes told to the other instances with NOTIFY, a batch a turn of the event loop (a save tick's
   * changes in one or a few notifications), and heard from them with LISTEN on a connection of its own,
   * which Bun's client re-subscribes after a drop. A notification missed while Postgres was away is
   * caught up by the pages' own comparison with the list (on reconnect, on focus, once a minute).
   */
  readonly changes: ChangeBus = {
    announce: (owner, change) => {
      if (this.#announcing.push({ owner, change }) === 1) setImmediate(() => void this.#notify());
    },
    listen: (deliver) => void this.#listen(deliver),
  };

  constructor(o: PostgresOptions) {
    this.#heartbeatMs = o.heartbeatMs ?? 5_000;
    this.#leaseMs = o.leaseMs ?? 20_000;
    let database: string | undefined;
    try {
      database = decodeURIComponent(new URL(o.url).pathname.slice(1)) || undefined;
    } catch {}
    this.#sql = new SQL({
      url: o.url,
      // Bun lets PGDATABASE override the URL's database: the URL says which one, so it wins.
      ...(database !== undefined && { database }),
      max: o.max ?? 10,
      // A save waits at most this long for a connection; Postgres unreachable fails it and History retries.
      connectionTimeout: 5,
      idleTimeout: 60,
      connection: { application_name: "bun-chat" },
    });
  }

  /** Connects now (running migrations and the first sweep), so a start-up problem is logged at once. */
  open(): Promise<void> {
    return this.#connect();
  }

  async list(owner: string, q: ListQuery): Promise<ListPage> {
    const args: unknown[] = [owner];
    const p = (v: unknown) => `$${args.push(v)}`;
    const where = ["c.owner = $1"];
    const after = decodeCursor(q.cursor);
    if (after) {
      // Ours are whole milliseconds and plain ids; anything else was not written by this server.
      if (!Number.isSafeInteger(after.updatedAt) || after.id.includes("\0")) throw new BadCursor();
      const at = p(after.updatedAt);
      where.push(`(c.updated_at < ${at} OR (c.updated_at = ${at} AND c.id < ${p(after.id)}))`);
    }
    for (const word of searchWords(q.search)) {
      const like = p(clean(likePattern(word)));
      where.push(
        `(c.title ILIKE ${like} ESCAPE '\\' OR EXISTS (SELECT 1 FROM messages m WHERE m.owner = c.owner AND m.conversation_id = c.id AND m.content ILIKE ${like} ESCAPE '\\'))`,
      );
    }
    const rows = await this.#use(
      (sql) =>
        sql.unsafe(
          `SELECT c.id, c.title, c.created_at, c.updated_at,
             (SELECT content FROM messages m WHERE m.owner = c.owner AND m.conversation_id = c.id AND m.role = 'user' ORDER BY m.seq LIMIT 1) AS first,
             EXISTS (SELECT 1 FROM messages m WHERE m.owner = c.owner AND m.conversation_id = c.id AND m.status = 'streaming') AS streaming
           FROM conversations c WHERE ${where.join(" AND ")}
           ORDER BY c.updated_at DESC, c.id DESC LIMIT ${p(q.limit + 1)}`,
          args,
        ) as Promise<{ id: string; title: string | null; first: string | null; created_at: string; updated_at: string; streaming: boolean }[]>,
    );
    const items: ConversationSummary[] = rows.slice(0, q.limit).map((r) => ({
      id: r.id,
      title: summaryTitle(r.title, r.first),
      createdAt: Number(r.created_at),
      updatedAt: Number(r.updated_at),
      streaming: r.streaming,
    }));
    const last = items.at(-1);
    return { items, next: rows.length > q.limit && last ? encodeCursor(last) : undefined };
  }

  async get(owner: string, id: string): Promise<ConversationRecord | undefined> {
    return this.#use(async (sql) => {
      // Both at once (two connections of the pool).
      const [[c], rows] = await Promise.all([
        sql`SELECT id, title, settings, leaf, created_at, updated_at FROM conversations WHERE id = ${id} AND owner = ${owner}` as Promise<
          { id: string; title: string | null; settings: string; leaf: string | null; created_at: string; updated_at: string }[]
        >,
        sql`SELECT id, parent, role, content, reasoning, status, meta, stream_id
            FROM messages WHERE owner = ${owner} AND conversation_id = ${id} ORDER BY seq` as Promise<MessageRow[]>,
      ]);
      if (!c) return undefined;
      return {
        id: c.id,
        title: c.title ?? undefined,
        createdAt: Number(c.created_at),
        updatedAt: Number(c.updated_at),
        leaf: c.leaf ?? undefined,
        settings: JSON.parse(c.settings) as Record<string, unknown>,
        messages: rows.map(toMessage),
      };
    });
  }

  async insert(owner: string, c: Omit<ConversationRecord, "createdAt" | "updatedAt"> & { createdAt?: number }): Promise<ConversationRecord> {
    const now = Date.now();
    const saved: ConversationRecord = { ...c, createdAt: c.createdAt ?? now, updatedAt: now };
    await this.#use((sql) =>
      sql.begin(async (tx) => {
        await tx`INSERT INTO conversations (id, owner, title, settings, leaf, created_at, updated_at)
                 VALUES (${c.id}, ${owner}, ${nullable(c.title)}, ${JSON.stringify(c.settings)}, ${c.leaf ?? null}, ${saved.createdAt}, ${now})`;
        await this.#insertMessages(
          tx,
          owner,
          c.id,
          c.messages.map((m, seq) => ({ seq, m })),
        );
      }),
    );
    return saved;
  }

  async rename(owner: string, id: string, title: string | undefined): Promise<boolean> {
    return this.#use(
      async (sql) => (await sql`UPDATE conversations SET title = ${nullable(title)}, updated_at = ${Date.now()} WHERE id = ${id} AND owner = ${owner}`).count > 0,
    );
  }

  async remove(owner: string, id: string): Promise<boolean> {
    return this.#use(async (sql) => (await sql`DELETE FROM conversations WHERE id = ${id} AND owner = ${owner}`).count > 0);
  }

  async put(owner: string, sync: ConversationSync): Promise<{ updatedAt: number }> {
    return this.#use((sql) => sql.begin((tx) => this.#put(tx, owner, sync)));
  }

  async startAnswer(a: AnswerStart): Promise<boolean> {
    return this.#use((sql) => sql.begin((tx) => this.#startAnswer(tx, a)));
  }

  async saveAnswers(updates: readonly AnswerUpdate[], starts: readonly AnswerStart[] = []): Promise<string[]> {
    return this.#use((sql) =>
      sql.begin(async (tx) => {
        const refused: string[] = [];
        // Conversations are locked in one order by every process: two saves never wait on each other in a circle.
        const key = (s: AnswerStart) => `${s.owner}\n${s.conversationId}`;
        for (const s of [...starts].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0))) {
          if (!(await this.#startAnswer(tx, s))) refused.push(s.answerId);
        }
        if (updates.length === 0) return refused;
        // Every answer in one statement (and every conversation's time in another), however many there are.
        // With `from`, only what the answer gained since its last save is sent, and appended.
        const rows = JSON.stringify(
          updates.map((u) => ({
            owner: u.owner,
            conversation_id: u.conversationId,
            id: u.answerId,
            append: u.from !== undefined,
            content: clean(u.from ? u.content.slice(u.from.content) : u.content),
            reasoning: clean(u.from ? u.reasoning.slice(u.from.reasoning) : u.reasoning),
            status: u.status,
            meta: JSON.stringify(u.meta),
            at: u.at,
          })),
        );
        await tx`
          UPDATE messages m SET
            content = CASE WHEN u.append THEN m.content || u.content ELSE u.content END,
            reasoning = CASE WHEN u.append THEN m.reasoning || u.reasoning ELSE u.reasoning END,
            status = u.status, meta = u.meta,
            stream_id = CASE WHEN u.status = 'streaming' THEN m.stream_id END, instance = ${this.instance}
          FROM json_to_recordset(${rows}::text::json)
            AS u(owner text, conversation_id text, id text, append boolean, content text, reasoning text, status text, meta text)
          WHERE m.owner = u.owner AND m.conversation_id = u.conversation_id AND m.id = u.id`;
        await tx`
          UPDATE conversations c SET updated_at = u.at
          FROM (SELECT conversation_id, owner, max(at) AS at
                FROM json_to_recordset(${rows}::text::json) AS r(owner text, conversation_id text, at bigint) GROUP BY 1, 2) AS u
          WHERE c.owner = u.owner AND c.id = u.conversation_id`;
        return refused;
      }),
    );
  }

  async #notify(): Promise<void> {
    const all = this.#announcing;
    this.#announcing = [];
    for (let i = 0; i < all.length && !this.#closed; ) {
      const batch: { owner: string; change: Change }[] = [];
      let size = 100;
      for (; i < all.length && (batch.length === 0 || size + JSON.stringify(all[i]).length < MAX_PAYLOAD); i++) {
        size += JSON.stringify(all[i]).length + 1;
        batch.push(all[i]!);
      }
      const payload = JSON.stringify({ from: this.instance, changes: batch });
      await this.#sql.notify(CHANGES_CHANNEL, payload).catch(() => {
        // Postgres away: the pages on the other instances catch up by comparing lists.
      });
    }
  }

  async #listen(deliver: (owner: string, change: Change) => void): Promise<void> {
    if (this.#closed) return;
    try {
      this.#subscription = await this.#sql.listen(CHANGES_CHANNEL, (payload) => {
        let told: { from?: unknown; changes?: { owner: string; change: Change }[] };
        try {
          told = JSON.parse(payload) as typeof told;
        } catch {
          return;
        }
        if (told.from === this.instance || !Array.isArray(told.changes)) return;
        for (const { owner, change } of told.changes) deliver(owner, change);
      });
    } catch {
      // Not reachable yet: Bun re-subscribes a dropped LISTEN by itself, but a first one that failed is tried again here.
      this.#relisten = setTimeout(() => void this.#listen(deliver), this.#heartbeatMs);
      this.#relisten.unref?.();
    }
  }

  /** Leaves: this process's answers still streaming are marked lost now (nobody will finish them), its heartbeat row goes. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    clearTimeout(this.#relisten);
    await this.#subscription?.unlisten().catch(() => {});
    const ready = this.#ready;
    try {
      if (ready) {
        await ready;
        await this.#sql.begin(async (tx) => {
          await tx`DELETE FROM history_instances WHERE id = ${this.instance}`;
          await this.#sweep(tx);
        });
      }
    } catch {
      // Postgres is gone: the others' sweep marks them once the lease runs out.
    } finally {
      await this.#sql.close({ timeout: 5 });
    }
  }

  /** Runs `fn` once connected (and migrated); a failed first connect is tried again by the next call. */
  async #use<T>(fn: (sql: SQL) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error("the history store is closed");
    await this.#connect();
    return fn(this.#sql);
  }

  #connect(): Promise<void> {
    return (this.#ready ??= this.#setUp().catch((err: unknown) => {
      this.#ready = undefined;
      throw err;
    }));
  }

  async #setUp(): Promise<void> {
    await this.#sql.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
      await tx`CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`;
      const [row] = (await tx`SELECT max(version) AS version FROM schema_version`) as { version: number | null }[];
      const version = row?.version ?? 0;
      if (version > POSTGRES_MIGRATIONS.length) {
        throw new Error(
          `the history database is version ${version}, newer than this release knows (${POSTGRES_MIGRATIONS.length}); use a newer chat`,
        );
      }
      for (let v = version; v < POSTGRES_MIGRATIONS.length; v++) {
        for (const statement of POSTGRES_MIGRATIONS[v]!) await tx.unsafe(statement);
        await tx`INSERT INTO schema_version (version) VALUES (${v + 1})`;
      }
    });
    await this.#heartbeat();
    this.#timer ??= setInterval(() => void this.#beat(), this.#heartbeatMs);
    this.#timer.unref?.();
  }

  /** A heartbeat and a sweep; skipped while the last is still running, quiet on failure (saves report those). */
  async #beat(): Promise<void> {
    if (this.#beating || this.#closed) return;
    this.#beating = true;
    try {
      await this.#heartbeat();
    } catch {
    } finally {
      this.#beating = false;
    }
  }

  async #heartbeat(): Promise<void> {
    await this.#sql.begin(async (tx) => {
      await tx`INSERT INTO history_instances (id, seen_at) VALUES (${this.instance}, now())
               ON CONFLICT (id) DO UPDATE SET seen_at = now()`;
      await this.#sweep(tx);
      await tx`DELETE FROM history_instances WHERE seen_at < now() - ${this.#leaseMs} * interval '1 millisecond'`;
    });
  }

  /** Marks lost every streaming answer whose process is gone: unknown, or silent for longer than the lease. */
  async #sweep(tx: Tx): Promise<void> {
    const lost = (await tx`
      SELECT m.owner, m.conversation_id, m.id, m.meta FROM messages m
      WHERE m.status = 'streaming' AND (m.instance IS NULL OR NOT EXISTS (
        SELECT 1 FROM history_instances i WHERE i.id = m.instance AND i.seen_at >= now() - ${this.#leaseMs} * interval '1 millisecond'))
      FOR UPDATE OF m SKIP LOCKED`) as { owner: string; conversation_id: string; id: string; meta: string }[];
    if (lost.length === 0) return;
    // The error added to what was saved, keys in place, as SQLite's json_set does.
    const rows = JSON.stringify(lost.map((r) => ({ ...r, meta: JSON.stringify({ ...JSON.parse(r.meta), error: LOST }) })));
    await tx`
      UPDATE messages m SET status = 'error', stream_id = NULL, meta = u.meta
      FROM json_to_recordset(${rows}::text::json) AS u(owner text, conversation_id text, id text, meta text)
      WHERE m.owner = u.owner AND m.conversation_id = u.conversation_id AND m.id = u.id AND m.status = 'streaming'`;
  }

  /** An answer's start (see HistoryStore.startAnswer), inside the caller's transaction. */
  async #startAnswer(tx: Tx, a: AnswerStart): Promise<boolean> {
    // Created when new; either way locked, so two instances starting answers in it take turns.
    await tx`INSERT INTO conversations (id, owner, settings, created_at, updated_at)
             VALUES (${a.conversationId}, ${a.owner}, ${JSON.stringify(a.settings)}, ${a.at}, ${a.at}) ON CONFLICT (owner, id) DO NOTHING`;
    await tx`SELECT 1 FROM conversations WHERE owner = ${a.owner} AND id = ${a.conversationId} FOR UPDATE`;
    const existing = (
      (await tx`SELECT id, parent, role, content, seq FROM messages WHERE owner = ${a.owner} AND conversation_id = ${a.conversationId} ORDER BY seq`) as {
        id: string;
        parent: string | null;
        role: string;
        content: string;
        seq: number;
      }[]
    ).map((m) => ({ ...m, parent: m.parent ?? undefined }));
    // A client that names its answer by an id already used is not saved (its updates would land on another message).
    if (existing.some((m) => m.id === a.answerId)) return false;
    const taken = new Set(existing.map((m) => m.id));
    // After the last (not the count: the page may have removed some), so the order stays the order of writing.
    let seq = (existing.at(-1)?.seq ?? -1) + 1;
    let { parent, rest } = placeMessages(existing, a.messages);
    const rows: { seq: number; m: MessageRecord; instance?: string }[] = [];
    for (const m of rest) {
      const id = m.id !== undefined && !taken.has(m.id) && m.id !== a.answerId ? m.id : crypto.randomUUID();
      taken.add(id);
      rows.push({
        seq: seq++,
        m: { id, parent, role: m.role === "assistant" ? "assistant" : "user", content: m.content, ...(m.role === "assistant" && { status: "done" }) },
      });
      parent = id;
    }
    rows.push({
      seq,
      m: { id: a.answerId, parent, role: "assistant", content: "", status: "streaming", streamId: a.streamId },
      instance: this.instance,
    });
    await this.#insertMessages(tx, a.owner, a.conversationId, rows);
    await tx`UPDATE conversations SET leaf = ${a.answerId}, settings = ${JSON.stringify(a.settings)}, updated_at = ${a.at}
             WHERE owner = ${a.owner} AND id = ${a.conversationId}`;
    return true;
  }

  /** The page's copy in (see HistoryStore.put), inside the caller's transaction. */
  async #put(tx: Tx, owner: string, c: ConversationSync): Promise<{ updatedAt: number }> {
    // Created when new (at the page's time); either way locked until the end.
    await tx`INSERT INTO conversations (id, owner, title, settings, created_at, updated_at)
             VALUES (${c.id}, ${owner}, ${nullable(c.title)}, ${JSON.stringify(c.settings)}, ${c.createdAt}, ${c.updatedAt}) ON CONFLICT (owner, id) DO NOTHING`;
    const [conv] = (await tx`SELECT updated_at FROM conversations WHERE owner = ${owner} AND id = ${c.id} FOR UPDATE`) as { updated_at: string }[];
    const updatedAt = Math.max(Number(conv!.updated_at), c.updatedAt);
    if (c.removed.length > 0) {
      await tx`DELETE FROM messages WHERE owner = ${owner} AND conversation_id = ${c.id} AND status IS DISTINCT FROM 'streaming'
               AND id IN (SELECT value FROM json_array_elements_text(${JSON.stringify(c.removed)}::text::json))`;
    }
    const have = new Map(
      ((await tx`SELECT id, role FROM messages WHERE owner = ${owner} AND conversation_id = ${c.id}`) as { id: string; role: string }[]).map((m) => [
        m.id,
        m.role,
      ]),
    );
    const [{ next }] = (await tx`SELECT COALESCE(MAX(seq) + 1, 0) AS next FROM messages WHERE owner = ${owner} AND conversation_id = ${c.id}`) as [
      { next: number },
    ];
    let seq = next;
    const added: { seq: number; m: MessageRecord }[] = [];
    const questions: { id: string; content: string; meta: string }[] = [];
    for (const m of c.messages) {
      const role = have.get(m.id);
      if (role === undefined) {
        // An answer the page still shows as arriving is the server's to write, not the page's.
        if (m.status !== "streaming") added.push({ seq: seq++, m });
      } else if (role === "user" && m.role === "user") {
        questions.push({ id: m.id, content: clean(m.content), meta: metaOf(m) });
      }
    }
    await this.#insertMessages(tx, owner, c.id, added);
    if (questions.length > 0) {
      await tx`UPDATE messages m SET content = u.content, meta = u.meta
               FROM json_to_recordset(${JSON.stringify(questions)}::text::json) AS u(id text, content text, meta text)
               WHERE m.owner = ${owner} AND m.conversation_id = ${c.id} AND m.id = u.id AND m.role = 'user'`;
    }
    const leafKnown =
      c.leaf !== undefined && (await tx`SELECT 1 FROM messages WHERE owner = ${owner} AND conversation_id = ${c.id} AND id = ${c.leaf}`).length > 0;
    await tx`UPDATE conversations SET settings = ${JSON.stringify(c.settings)}, updated_at = ${updatedAt},
             leaf = CASE WHEN ${leafKnown} THEN ${c.leaf ?? null} ELSE leaf END WHERE owner = ${owner} AND id = ${c.id}`;
    return { updatedAt };
  }

  /** Messages in one statement per thousand (Postgres takes at most 65,535 parameters). */
  async #insertMessages(tx: Tx, owner: string, conversationId: string, rows: readonly { seq: number; m: MessageRecord; instance?: string }[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000).map(({ seq, m, instance }) => ({
        owner,
        conversation_id: conversationId,
        id: m.id,
        seq,
        parent: m.parent ?? null,
        role: m.role,
        content: clean(m.content),
        reasoning: clean(m.reasoning ?? ""),
        status: m.status ?? null,
        meta: metaOf(m),
        stream_id: m.streamId ?? null,
        instance: instance ?? null,
      }));
      await tx`INSERT INTO messages ${tx(chunk)}`;
    }
  }
}

/**
 * Postgres text cannot hold U+0000 (SQLite can): it is saved as U+FFFD, and searched for as such, so a
 * model that writes one never makes every save fail. (JSON columns escape it and keep it.)
 */
function clean(s: string): string {
  return s.includes("\0") ? s.replaceAll("\0", "\uFFFD") : s;
}

function nullable(s: string | undefined): string | null {
  return s === undefined ? null : clean(s);
}

/** The URL to show in logs: never the password. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(a postgres:// URL that does not parse)";
  }
}
