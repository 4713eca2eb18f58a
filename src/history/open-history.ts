import { join } from "node:path";
import type { History as HistoryConfig } from "../config.ts";
import { History } from "./history.ts";
import { PostgresHistoryStore, redactUrl } from "./postgres-store.ts";
import { SqliteHistoryStore } from "./sqlite-store.ts";

/**
 * The history from config: undefined when off. DATABASE_URL=postgres://… (or postgresql://) keeps it
 * in Postgres, shared by several instances; anything else, SQLite in CHAT_DATA_DIR. A database that
 * cannot be opened now (locked, corrupt, unwritable; Postgres down) is logged and tried again at each
 * save: chats work meanwhile, unsaved, and saving starts once it is fixed, without a restart.
 */
export function openHistory(config: HistoryConfig, log: (line: string) => void = (l) => console.error(l)): History | undefined {
  if (!config.enabled) return undefined;
  const url = config.databaseUrl?.trim();
  if (url && /^postgres(ql)?:\/\//i.test(url)) return openPostgres(url, log);
  if (url) log(`chat: history: DATABASE_URL is not a postgres:// URL (${url.split(":")[0]}:…); keeping history in SQLite`);
  const path = join(config.dataDir, "history.sqlite");
  const store = new SqliteHistoryStore({ path });
  const history = new History({ store, log });
  try {
    store.open();
    console.log(`chat: conversations kept in ${path}`);
  } catch (err) {
    log(`chat: history: cannot open ${path} (${describe(err)}); answers stream unsaved until it opens`);
    history.failing(describe(err));
  }
  return history;
}

/** Postgres connects in the background: the server starts at once, and the log says how it went. */
function openPostgres(url: string, log: (line: string) => void): History {
  const shown = redactUrl(url);
  const store = new PostgresHistoryStore({ url });
  const history = new History({ store, log });
  store.open().then(
    () => console.log(`chat: conversations kept in Postgres at ${shown}`),
    (err: unknown) => {
      log(`chat: history: cannot open Postgres at ${shown} (${describe(err)}); answers stream unsaved until it opens`);
      history.failing(describe(err));
    },
  );
  return history;
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return `${typeof code === "string" ? `${code}: ` : ""}${err instanceof Error ? err.message : String(err)}`;
}
