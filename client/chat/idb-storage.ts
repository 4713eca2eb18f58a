import { createStore, del, set, values } from "idb-keyval";
import type { Conversation, ConversationStorage, LegacyConversation } from "./conversations.ts";

/** Conversations in this browser's IndexedDB, one record per conversation (so a streaming answer rewrites only its own). */
export function idbStorage(): ConversationStorage {
  const store = createStore("bun-chat", "conversations");
  return {
    all: () => values<Conversation>(store),
    put: (c) => set(c.id, c, store),
    remove: (id) => del(id, store),
  };
}

/** The single conversation earlier versions kept in localStorage. */
export function localLegacy(key = "chat.conversation.v1"): LegacyConversation {
  return {
    load() {
      try {
        const text = localStorage.getItem(key);
        return text ? JSON.parse(text) : undefined;
      } catch {
        return undefined;
      }
    },
    forget() {
      try {
        localStorage.removeItem(key);
      } catch {
        // Storage blocked: nothing was there to forget.
      }
    },
  };
}
