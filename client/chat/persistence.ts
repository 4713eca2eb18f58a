import type { Message, Persistence } from "./store.ts";

/** Keeps the conversation in localStorage. Storage may be full or disabled (private modes): then it is just not kept. */
export function localPersistence(key = "chat.conversation.v1"): Persistence {
  return {
    load() {
      try {
        const text = localStorage.getItem(key);
        return text ? JSON.parse(text) : undefined;
      } catch {
        return undefined;
      }
    },
    save(messages: readonly Message[]) {
      try {
        if (messages.length === 0) localStorage.removeItem(key);
        else localStorage.setItem(key, JSON.stringify(messages));
      } catch {
        // Quota exceeded or storage blocked: the chat goes on, it just won't survive a reload.
      }
    },
  };
}
