import type { Settings } from "./settings.ts";
import type { Message, Persistence } from "./store.ts";

/**
 * Keeps the conversation and its settings in localStorage as `{ messages, settings }`. Storage may be full
 * or disabled (private modes): then it is just not kept.
 */
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
    save(messages: readonly Message[], settings: Settings = {}) {
      try {
        if (messages.length === 0 && Object.keys(settings).length === 0) localStorage.removeItem(key);
        else localStorage.setItem(key, JSON.stringify({ messages, settings }));
      } catch {
        // Quota exceeded or storage blocked: the chat goes on, it just won't survive a reload.
      }
    },
  };
}
