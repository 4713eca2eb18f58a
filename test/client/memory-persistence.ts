import type { Conversation, ConversationStorage } from "../../client/chat/conversations.ts";
import type { Message, Persistence } from "../../client/chat/store.ts";

/** Conversation storage in a Map, as IndexedDB would keep it (copies, not the objects handed in). */
export function memoryStorage(initial: Conversation[] = []) {
  const map = new Map(initial.map((c) => [c.id, structuredClone(c)]));
  const storage: ConversationStorage = {
    all: async () => [...map.values()].map((c) => structuredClone(c)),
    put: async (c) => void map.set(c.id, structuredClone(c)),
    remove: async (id) => void map.delete(id),
  };
  return { storage, map };
}

/** A Persistence kept in memory: what the store saved last, as copies, and what a reload would load. */
export function memoryPersistence(initial?: unknown) {
  const store = {
    saved: undefined as Message[] | undefined,
    settings: undefined as unknown,
    leaf: undefined as string | undefined,
    load: () => initial,
    save: (({ messages, settings, leaf }) => {
      store.saved = JSON.parse(JSON.stringify(messages));
      store.settings = settings === undefined ? undefined : JSON.parse(JSON.stringify(settings));
      store.leaf = leaf;
    }) satisfies Persistence["save"],
    /** The saved conversation in the shape `load` returns after a reload. */
    snapshot: () => ({ messages: store.saved, settings: store.settings, ...(store.leaf !== undefined && { leaf: store.leaf }) }),
  };
  return store;
}
