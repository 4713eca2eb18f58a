import { join } from "node:path";
import type { History as HistoryConfig } from "../config.ts";
import { History } from "./history.ts";
import { SqliteHistoryStore } from "./sqlite-store.ts";

/**
 * The history from config: undefined when off. A database that cannot be opened now (locked, corrupt,
 * unwritable) is logged and tried again at each save: chats work meanwhile, unsaved, and saving starts
 * once the file is fixed, without a restart.
 */
export function openHistory(config: HistoryConfig, log: (line: string) => void = (l) => console.error(l)): History | undefined {
  if (!config.enabled) return undefined;
  const path = join(config.dataDir, "history.sqlite");
  const store = new SqliteHistoryStore({ path });
  try {
    store.open();
    console.log(`chat: conversations kept in ${path}`);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    log(
      `chat: history: cannot open ${path} (${typeof code === "string" ? `${code}: ` : ""}${err instanceof Error ? err.message : String(err)}); answers stream unsaved until it opens`,
    );
  }
  return new History({ store, log });
}
