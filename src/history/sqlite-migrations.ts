/**
 * The history schema, one migration per version (SQLite's `user_version` says which have run). Only
 * ever append: a database written by an older release is brought up to date on start, in order.
 * Postgres gets the same tables with its own types (next session), so the store tests run on both.
 */
export const SQLITE_MIGRATIONS: readonly (readonly string[])[] = [
  // 1: conversations (one owner each) and their messages, every version, linked by parent.
  [
    `CREATE TABLE conversations (
      id TEXT PRIMARY KEY,
      owner TEXT NOT NULL,
      title TEXT,
      settings TEXT NOT NULL DEFAULT '{}',
      leaf TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    )`,
    "CREATE INDEX conversations_by_owner ON conversations (owner, updated_at DESC, id DESC)",
    `CREATE TABLE messages (
      conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      parent TEXT,
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      reasoning TEXT NOT NULL DEFAULT '',
      status TEXT,
      meta TEXT NOT NULL DEFAULT '{}',
      stream_id TEXT,
      PRIMARY KEY (conversation_id, id)
    )`,
    "CREATE INDEX messages_in_order ON messages (conversation_id, seq)",
  ],
];
