/**
 * The history schema in Postgres, one migration per version; `schema_version` says which have run.
 * Only ever append. The tables and columns are SQLite's (sqlite-migrations.ts) in Postgres types: ids
 * and texts TEXT (ids in the "C" collation, so they sort and page byte by byte as in SQLite), times
 * BIGINT milliseconds, settings and meta TEXT holding JSON exactly as written (JSONB would reorder keys
 * and respace, and the API answers them as saved).
 *
 * Two additions serve several instances on one database (see PostgresHistoryStore's recovery sweep):
 * `messages.instance`, the process writing a streaming answer, and `history_instances`, each live
 * process's last heartbeat.
 */
export const POSTGRES_MIGRATIONS: readonly (readonly string[])[] = [
  // 1: conversations and their messages, every version, linked by parent. Ids are each owner's own (the
  // page names its conversations): (owner, id) keys, as SQLite's version 2 (Postgres had no version 1).
  [
    `CREATE TABLE conversations (
      owner TEXT NOT NULL,
      id TEXT COLLATE "C" NOT NULL,
      title TEXT,
      settings TEXT NOT NULL DEFAULT '{}',
      leaf TEXT COLLATE "C",
      created_at BIGINT NOT NULL,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (owner, id)
    )`,
    "CREATE INDEX conversations_by_owner ON conversations (owner, updated_at DESC, id DESC)",
    `CREATE TABLE messages (
      owner TEXT NOT NULL,
      conversation_id TEXT COLLATE "C" NOT NULL,
      id TEXT COLLATE "C" NOT NULL,
      seq INTEGER NOT NULL,
      parent TEXT COLLATE "C",
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      reasoning TEXT NOT NULL DEFAULT '',
      status TEXT,
      meta TEXT NOT NULL DEFAULT '{}',
      stream_id TEXT,
      instance TEXT,
      PRIMARY KEY (owner, conversation_id, id),
      FOREIGN KEY (owner, conversation_id) REFERENCES conversations (owner, id) ON DELETE CASCADE
    )`,
    "CREATE INDEX messages_in_order ON messages (owner, conversation_id, seq)",
    "CREATE INDEX messages_streaming ON messages (instance) WHERE status = 'streaming'",
    `CREATE TABLE history_instances (
      id TEXT PRIMARY KEY,
      seen_at TIMESTAMPTZ NOT NULL
    )`,
  ],
];
