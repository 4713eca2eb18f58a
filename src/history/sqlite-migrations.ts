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
  // 2: ids are each owner's own, as the page names its conversations: (owner, id) keys, so no owner can
  // take, or learn of, an id another uses.
  [
    `CREATE TABLE conversations_v2 (
      owner TEXT NOT NULL,
      id TEXT NOT NULL,
      title TEXT,
      settings TEXT NOT NULL DEFAULT '{}',
      leaf TEXT,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL,
      PRIMARY KEY (owner, id)
    )`,
    "INSERT INTO conversations_v2 SELECT owner, id, title, settings, leaf, created_at, updated_at FROM conversations",
    `CREATE TABLE messages_v2 (
      owner TEXT NOT NULL,
      conversation_id TEXT NOT NULL,
      id TEXT NOT NULL,
      seq INTEGER NOT NULL,
      parent TEXT,
      role TEXT NOT NULL,
      content TEXT NOT NULL,
      reasoning TEXT NOT NULL DEFAULT '',
      status TEXT,
      meta TEXT NOT NULL DEFAULT '{}',
      stream_id TEXT,
      PRIMARY KEY (owner, conversation_id, id),
      FOREIGN KEY (owner, conversation_id) REFERENCES conversations_v2 (owner, id) ON DELETE CASCADE
    )`,
    `INSERT INTO messages_v2 SELECT c.owner, m.conversation_id, m.id, m.seq, m.parent, m.role, m.content, m.reasoning, m.status, m.meta, m.stream_id
       FROM messages m JOIN conversations c ON c.id = m.conversation_id`,
    "DROP TABLE messages",
    "DROP TABLE conversations",
    "ALTER TABLE conversations_v2 RENAME TO conversations",
    "ALTER TABLE messages_v2 RENAME TO messages",
    "CREATE INDEX conversations_by_owner ON conversations (owner, updated_at DESC, id DESC)",
    "CREATE INDEX messages_in_order ON messages (owner, conversation_id, seq)",
    "CREATE INDEX messages_streaming ON messages (status) WHERE status = 'streaming'",
  ],
];
