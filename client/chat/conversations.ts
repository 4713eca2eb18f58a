import { createStore, reconcile, unwrap } from "solid-js/store";
import type { Settings } from "./settings.ts";
import { type Message, type Persistence, visiblePath } from "./store.ts";

/** One saved conversation. `title` is set only once the user renames it; otherwise the first question names it. */
export interface Conversation {
  id: string;
  title?: string;
  createdAt: number;
  updatedAt: number;
  /** Every version of every message, linked by `parent` (saved before branches: one line, and no `leaf`). */
  messages: Message[];
  /** The last message on screen. */
  leaf?: string;
  settings: Settings;
  /** With history on the server: the server's last change time this copy matches (set once it is there). */
  syncedAt?: number;
  /** Kept in this browser only: its owner declined to upload it to the server. */
  localOnly?: boolean;
}

/**
 * What the list tells the server's copy (client/chat/server-sync.ts, loaded once the server says it keeps
 * history): a conversation changed (with the ids of messages removed from it), was renamed, or deleted.
 */
export interface ConversationMirror {
  changed(id: string, removed: readonly string[]): void;
  renamed(id: string): void;
  removed(id: string): void;
}

/** Where conversations are kept (IndexedDB in the page, a Map in tests). */
export interface ConversationStorage {
  all(): Promise<Conversation[]>;
  put(conversation: Conversation): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The one conversation kept before there were several (localStorage), read once and then forgotten. */
export interface LegacyConversation {
  load(): unknown;
  forget(): void;
}

export type ConversationList = ReturnType<typeof createConversationList>;

let nextId = 0;
// Not crypto.randomUUID: it exists only in secure contexts, and the chat may be served over plain http on a LAN.
const newId = () => `c-${Date.now().toString(36)}-${(nextId++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

/** What the sidebar shows for a conversation: its own title, else its first question (trimmed), else "New chat". */
export function titleOf(c: Pick<Conversation, "title" | "messages" | "leaf">): string {
  const own = c.title?.trim();
  if (own) return own;
  const first = visiblePath(c.messages, c.leaf).find((m) => m.role === "user")?.content.trim().replace(/\s+/g, " ");
  return first ? (first.length > 80 ? `${first.slice(0, 79)}…` : first) : "New chat";
}

/** The conversations whose title or text (any version) holds every word of `query` (case-insensitive), in the order given. */
export function searchConversations(items: readonly Conversation[], query: string): Conversation[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...items];
  return items.filter((c) => {
    const text = [titleOf(c), ...c.messages.map((m) => m.content)].join("\n").toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

const newestFirst = (a: Conversation, b: Conversation) => b.updatedAt - a.updatedAt;
/** A plain copy: what storage and other tabs get, and what the store gets, is never an object still in use. */
const copy = <T>(x: T): T => JSON.parse(JSON.stringify(x));

/** What one tab tells the others: a conversation as it now stands, or one deleted. */
type Change = { put?: Conversation; remove?: string };

/**
 * The conversations in memory (newest first) mirrored to `storage`, and kept in step with other tabs over
 * `channel` (the whole conversation; the last write wins). Writes go out in the background; a failed write
 * (quota, private mode) leaves the chat working, just not kept.
 */
export function createConversationList(opts: {
  storage: ConversationStorage;
  legacy?: LegacyConversation;
  now?: () => number;
  channel?: Pick<BroadcastChannel, "postMessage" | "onmessage">;
  /** An answer streams into this conversation here: another tab's copy is behind, and ignored. */
  busy?: (id: string) => boolean;
  /** Another tab changed or deleted conversation `id` (already so in the list). */
  onRemote?: (id: string) => void;
  /** The storage was full: conversation `id` was kept without these files (named), the rest of it intact. */
  onDropped?: (id: string, names: string[]) => void;
}) {
  const now = opts.now ?? Date.now;
  const [state, setState] = createStore<{ items: Conversation[] }>({ items: [] });
  let mirror: ConversationMirror | undefined;
  /** Stores and announces `plain`, which nothing else may hold (the store's own objects are copied first). */
  const keep = (plain: Conversation) => {
    opts.channel?.postMessage({ put: plain } satisfies Change);
    return opts.storage.put(plain).catch((err: unknown) => (isQuotaError(err) ? keepLighter(plain) : undefined));
  };
  /**
   * Storage full: the conversation is saved again without its largest file, then the next, until it fits,
   * so the history is never lost whole (llama.cpp #27627 lost every chat that way). Each file dropped keeps
   * its name on its message, and the page is told. In memory the files stay until a reload.
   */
  const keepLighter = async (plain: Conversation) => {
    // Its own chunk: only a full storage needs it, and the first paint's budget is tight.
    const { dropLargestAttachment } = await import("./attachment-drop.ts");
    let messages = plain.messages;
    const names: string[] = [];
    for (let lighter; (lighter = dropLargestAttachment(messages)); ) {
      messages = lighter.messages;
      names.push(lighter.dropped);
      try {
        await opts.storage.put({ ...plain, messages });
        setState("items", (c) => c.id === plain.id, "messages", reconcile(messages));
        opts.onDropped?.(plain.id, names);
        return;
      } catch (err) {
        if (!isQuotaError(err)) return;
      }
    }
  };
  const find = (id: string) => state.items.find((c) => c.id === id);
  const sort = () => setState("items", (items) => [...items].sort(newestFirst));
  const drop = (id: string) => setState("items", (items) => items.filter((c) => c.id !== id));
  /** `c` in place of the conversation with its id (or as a new one), where its time puts it. */
  const replace = (c: Conversation) => setState("items", (items) => [...items.filter((x) => x.id !== c.id), c].sort(newestFirst));
  if (opts.channel) {
    opts.channel.onmessage = ({ data: { put, remove } }: MessageEvent<Change>) => {
      const id = put?.id ?? remove!;
      if (put && opts.busy?.(id)) return;
      if (put) replace(put);
      else drop(id);
      opts.onRemote?.(id);
    };
  }

  function add(init: Partial<Conversation> = {}): Conversation {
    const at = now();
    const c: Conversation = { id: newId(), createdAt: at, updatedAt: at, messages: [], settings: {}, ...init };
    setState("items", (items) => [c, ...items].sort(newestFirst));
    void keep(copy(c));
    // An import (or the conversation of an earlier version) goes to the server at once; an empty one waits for its first message.
    if (c.messages.length > 0) mirror?.changed(c.id, []);
    return c;
  }

  return {
    state,

    /** Reads what is stored; the single conversation of earlier versions becomes the newest one (then is forgotten). */
    async load(): Promise<void> {
      let items: Conversation[] = [];
      try {
        items = (await opts.storage.all()).filter((c) => c && typeof c.id === "string" && Array.isArray(c.messages));
      } catch {
        // Storage blocked: start with an empty list, kept in memory only.
      }
      setState("items", reconcile(items.sort(newestFirst)));
      const old = opts.legacy?.load();
      const saved = Array.isArray(old) ? { messages: old } : (old as { messages?: unknown; settings?: unknown } | undefined);
      if (saved && Array.isArray(saved.messages) && saved.messages.length > 0) {
        const c = add({ messages: saved.messages as Message[], settings: (saved.settings ?? {}) as Settings });
        await keep(copy(c));
        opts.legacy?.forget();
      }
    },

    get(id: string): Conversation | undefined {
      return find(id);
    },

    /** A new, empty conversation at the top. */
    create(): Conversation {
      return add();
    },

    /** Adds a conversation brought in from elsewhere (an import) as the newest. */
    add(init: Pick<Conversation, "messages" | "settings" | "leaf" | "title">): Conversation {
      return add(init);
    },

    /** Gives a conversation its own title; an empty one goes back to the first question. */
    rename(id: string, title: string): void {
      const c = find(id);
      if (!c) return;
      setState("items", (x) => x.id === id, "title", title.trim() || undefined);
      void keep(copy(unwrap(find(id)!)));
      mirror?.renamed(id);
    },

    remove(id: string): void {
      drop(id);
      opts.channel?.postMessage({ remove: id } satisfies Change);
      void opts.storage.remove(id).catch(() => undefined);
      mirror?.removed(id);
    },

    /** From here on, changes are also told to `m` (the server's copy). */
    mirror(m: ConversationMirror): void {
      mirror = m;
    },

    /** The server's copy of a conversation, in place of this one (or as a new one): kept, and told to the other tabs. */
    fromServer(c: Conversation): void {
      replace(c);
      void keep(copy(c));
    },
    /** Marks a conversation (synced up to a time, or kept here only) without it changing or moving. */
    patch(id: string, fields: Pick<Conversation, "syncedAt" | "localOnly">): void {
      if (!find(id)) return;
      setState("items", (x) => x.id === id, fields);
      // Not news for the other tabs (each syncs on its own): stored, not announced.
      void opts.storage.put(copy(unwrap(find(id)!))).catch(() => undefined);
    },
    /** Gone from the server (deleted on another device): gone here too, in every tab. */
    forget(id: string): void {
      drop(id);
      opts.channel?.postMessage({ remove: id } satisfies Change);
      void opts.storage.remove(id).catch(() => undefined);
    },

    /** The chat store's persistence for one conversation: it loads that conversation and saves back into the list. */
    persistence(id: string): Persistence {
      return {
        load: () => {
          const c = find(id);
          return c && { messages: copy(c.messages), settings: { ...c.settings }, leaf: c.leaf };
        },
        save: ({ messages, settings = {}, leaf }) => {
          const c = find(id);
          if (!c) return; // deleted while its answer was ending
          // Serialised once, from the plain objects under the stores (through their proxies it is several
          // times slower), for the change check, this list's copy and what is stored: a long answer is 100+ KB.
          const json = JSON.stringify(unwrap(messages));
          // Switching versions is not news: only a changed message moves the conversation to the top.
          const changed = JSON.stringify(unwrap(c).messages) !== json;
          const fields = { settings: copy(unwrap(settings)), leaf, ...(changed && { updatedAt: now() }) };
          const removed = changed ? gone(unwrap(c).messages, messages) : [];
          setState("items", (x) => x.id === id, { ...fields, messages: JSON.parse(json) as Message[] });
          if (changed) sort();
          const { messages: _, ...rest } = unwrap(c);
          void keep({ ...copy(rest), messages: JSON.parse(json) as Message[] });
          mirror?.changed(id, removed);
        },
      };
    },
  };
}

/** Ids in `before` that `after` no longer has. */
function gone(before: readonly Message[], after: readonly Message[]): string[] {
  if (before.length === 0) return [];
  const kept = new Set(after.map((m) => m.id));
  return before.filter((m) => !kept.has(m.id)).map((m) => m.id);
}

/** The browser's storage is full (IndexedDB reports it as a QuotaExceededError DOMException). */
function isQuotaError(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === "QuotaExceededError";
}
