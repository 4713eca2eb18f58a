import { createParser } from "eventsource-parser";
import { bearer } from "./auth.ts";
import type { Conversation, ConversationList } from "./conversations.ts";
import type { Message } from "./store.ts";

/** A conversation in the server's list. */
interface Summary {
  id: string;
  updatedAt: number;
}

/** One of GET /api/conversations/changes's events. */
interface Change {
  id: string;
  updatedAt?: number;
  removed?: true;
  streaming?: boolean;
  by?: string;
}

export interface ServerSyncOptions {
  list: ConversationList;
  token: () => string | undefined;
  /** An answer streams into this conversation here: the server's copy is behind it, and left alone. */
  busy: (id: string) => boolean;
  /** Conversation `id` changed (or went away) through the server; the list already has it so. */
  onRemote: (id: string) => void;
  /** Conversations only this browser has: offered once for upload (`upload` or `keep` settles it). */
  onOffer: (count: number, choose: (upload: boolean) => void) => void;
  fetch?: typeof fetch;
  /** Waits before reconnecting the change feed, growing to the last. */
  retryMs?: readonly number[];
  /** Whether this browser was already asked about uploading (localStorage by default). */
  asked?: { get(): boolean; set(): void };
}

const OFFERED = "chat.history-upload.v1";
/** A full comparison with the server's list this often, for changes made through another instance. */
const RESYNC_MS = 60_000;
const PUSH_AFTER_MS = 300;

/**
 * The page's side of history on the server (CHAT_HISTORY, on by default): the server is the source of
 * truth and this browser's IndexedDB its cache. On start the list is compared with the server's: what
 * changed elsewhere is fetched, what was deleted elsewhere is dropped, and conversations only this
 * browser had are offered for upload once. Then the owner's change feed keeps devices in step while the
 * page is open (re-compared on reconnect, on return to the tab, and once a minute), and every change made
 * here is sent (PUT, a few hundred ms after the last edit). Resolves to undefined when the server keeps
 * no history (HTTP 404 `history_disabled`): the page then works as before, in this browser only.
 */
export async function startServerSync(o: ServerSyncOptions): Promise<{ stop(): void } | undefined> {
  const doFetch = o.fetch ?? fetch;
  const client = Array.from(crypto.getRandomValues(new Uint8Array(9)), (b) => b.toString(36)).join("");
  const headers = (json = false) => ({ ...bearer(o.token()), "X-Chat-Client": client, ...(json && { "Content-Type": "application/json" }) });
  const call = (path: string, init: RequestInit = {}) => doFetch(path, { ...init, headers: { ...headers(init.body !== undefined), ...init.headers } });
  const one = (id: string) => `/api/conversations/${encodeURIComponent(id)}`;

  const asked = o.asked ?? { get: remembered, set: remember };
  const first = await listAll(call);
  if (first === "disabled") return undefined;
  const stopped = new AbortController();
  const pending = new Map<string, Set<string>>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** How many changes each conversation had here: a fetch that started before one is stale. */
  const edits = new Map<string, number>();
  const edited = (id: string) => edits.set(id, (edits.get(id) ?? 0) + 1);
  /** Renamed before the server had them: the title follows their first PUT (which names only new ones). */
  const retitle = new Set<string>();
  /** PATCHes the title as the list has it; false when the server does not have the conversation. */
  const retitleNow = async (id: string) => {
    const body = JSON.stringify({ title: o.list.get(id)?.title ?? null });
    const res = await call(one(id), { method: "PATCH", body }).catch(() => undefined);
    return res?.status !== 404;
  };

  /** Sends conversation `id` as this page has it (after PUSH_AFTER_MS, so typing a rename is one call). */
  const push = (id: string, removed: readonly string[] = []) => {
    const ids = pending.get(id) ?? new Set<string>();
    for (const r of removed) ids.add(r);
    pending.set(id, ids);
    clearTimeout(timers.get(id));
    timers.set(
      id,
      setTimeout(() => void send(id), PUSH_AFTER_MS),
    );
  };
  const send = async (id: string) => {
    timers.delete(id);
    const c = o.list.get(id);
    // Sent once its answer has ended (the server writes answers itself); empty ones are not worth keeping.
    if (!c || c.localOnly || c.messages.length === 0 || o.busy(id)) return;
    const removed = [...(pending.get(id) ?? [])];
    try {
      const res = await call(one(id), { method: "PUT", body: JSON.stringify(toServer(c, removed)) });
      if (!res.ok) return;
      const { updatedAt } = (await res.json()) as { updatedAt: number };
      for (const r of removed) pending.get(id)?.delete(r);
      if (retitle.delete(id)) await retitleNow(id);
      o.list.patch(id, { syncedAt: updatedAt });
    } catch {
      // Offline: the next comparison with the server's list sends it again.
    }
  };

  /** Deleted on the server (on another device): gone here too, and shown so. */
  const gone = (id: string) => {
    if (!o.list.get(id)) return;
    o.list.forget(id);
    o.onRemote(id);
  };

  /** Reads conversation `id` from the server into the list (gone there: gone here). */
  const pull = async (id: string) => {
    if (o.busy(id)) return;
    const edit = edits.get(id);
    const res = await call(one(id));
    // Changed here meanwhile (a rename, a version picked): this page's copy is newer, and on its way.
    if (edits.get(id) !== edit || timers.has(id)) return;
    if (res.status === 404) return gone(id);
    if (!res.ok || o.busy(id)) return;
    const remote = fromServer((await res.json()) as ServerConversation);
    const local = o.list.get(id);
    if (local && same(local, remote)) {
      o.list.patch(id, { syncedAt: remote.syncedAt });
      return;
    }
    o.list.fromServer(withLocalDetails(remote, local));
    o.onRemote(id);
  };

  /** Compares with the server's list: fetches what changed, drops what went, sends or offers what is only here. */
  const compare = async (summaries: Summary[], offer: boolean) => {
    const there = new Set(summaries.map((s) => s.id));
    const stale = summaries.filter((s) => o.list.get(s.id)?.syncedAt !== s.updatedAt).map((s) => s.id);
    await inBatches(stale, 4, pull);
    const onlyHere: Conversation[] = [];
    for (const c of [...o.list.state.items]) {
      if (there.has(c.id) || c.localOnly || o.busy(c.id)) continue;
      // It was on the server and is not now: deleted on another device.
      if (c.syncedAt !== undefined) gone(c.id);
      else if (c.messages.length > 0) onlyHere.push(c);
    }
    if (onlyHere.length === 0) return asked.set();
    if (!offer || asked.get()) {
      for (const c of onlyHere) push(c.id);
      return;
    }
    o.onOffer(onlyHere.length, (upload) => {
      asked.set();
      for (const c of onlyHere) {
        if (upload) push(c.id);
        else o.list.patch(c.id, { localOnly: true });
      }
    });
  };

  const resync = async () => {
    const summaries = await listAll(call).catch(() => undefined);
    if (Array.isArray(summaries)) await compare(summaries, false).catch(() => undefined);
  };

  o.list.mirror({
    changed: (id, removed) => {
      edited(id);
      push(id, removed);
    },
    renamed: (id) => {
      edited(id);
      const c = o.list.get(id);
      if (!c || c.localOnly) return;
      // Not on the server before its first message: named once it is there.
      if (c.syncedAt === undefined && c.messages.length === 0) return void retitle.add(id);
      void retitleNow(id).then((found) => {
        if (found) return;
        retitle.add(id);
        push(id);
      });
    },
    removed: (id) => {
      edited(id);
      void call(one(id), { method: "DELETE" }).catch(() => {});
    },
  });

  await compare(first, true);
  void follow(call, stopped.signal, o.retryMs ?? [1000, 2000, 5000, 15_000], {
    change: (c) => {
      if (c.by === client || o.busy(c.id)) return;
      if (c.removed) gone(c.id);
      else void pull(c.id).catch(() => {});
    },
    // Changes while the feed was down are not replayed: compare instead.
    reconnected: () => void resync(),
  });
  const visible = () => document.visibilityState === "visible" && void resync();
  globalThis.document?.addEventListener("visibilitychange", visible);
  const timer = setInterval(() => void resync(), RESYNC_MS);
  return {
    stop() {
      stopped.abort();
      clearInterval(timer);
      globalThis.document?.removeEventListener("visibilitychange", visible);
    },
  };
}

type Call = (path: string, init?: RequestInit) => Promise<Response>;

/** Every conversation's id and time, newest first ("disabled" when the server keeps none). */
async function listAll(call: Call): Promise<Summary[] | "disabled"> {
  const out: Summary[] = [];
  let cursor: string | null = null;
  do {
    const res = await call(`/api/conversations?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (res.status === 404) return "disabled";
    if (!res.ok) throw new Error(`GET /api/conversations: ${res.status}`);
    const page = (await res.json()) as { items: Summary[]; next_cursor: string | null };
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && out.length < 10_000);
  return out;
}

/** Reads the change feed until `signal`, reconnecting after drops. */
async function follow(call: Call, signal: AbortSignal, waits: readonly number[], on: { change: (c: Change) => void; reconnected: () => void }) {
  for (let attempt = 0; !signal.aborted; ) {
    let heard = false;
    try {
      const res = await call("/api/conversations/changes", { signal, headers: { Accept: "text/event-stream" } });
      if (res.ok && res.body) {
        if (attempt > 0) on.reconnected();
        const parser = createParser({
          onEvent: ({ data }) => {
            heard = true;
            try {
              on.change(JSON.parse(data) as Change);
            } catch {}
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          heard = true;
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
      }
    } catch {
      // Dropped (network, server restart): wait, then reconnect and compare.
    }
    if (signal.aborted) return;
    attempt = heard ? 1 : attempt + 1;
    await new Promise((r) => setTimeout(r, waits[Math.min(attempt - 1, waits.length - 1)]));
  }
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map((x) => fn(x).catch(() => {})));
}

/** GET /api/conversations/{id} (src/history/store.ts ConversationRecord). */
interface ServerConversation {
  id: string;
  title?: string;
  createdAt: number;
  updatedAt: number;
  leaf?: string;
  settings: Conversation["settings"];
  messages: Message[];
}

/**
 * The server's conversation as the page keeps it. An answer still streaming there is re-attached to
 * from its first event (the server's text is up to a second behind the stream), so it starts empty here
 * unless the server says which event its text ends with.
 */
function fromServer(c: ServerConversation): Conversation {
  return {
    id: c.id,
    ...(c.title && { title: c.title }),
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    messages: c.messages.map((m) => (m.status === "streaming" && m.lastEventId === undefined ? { ...m, content: "", reasoning: "" } : m)),
    ...(c.leaf && { leaf: c.leaf }),
    settings: c.settings ?? {},
    syncedAt: c.updatedAt,
  };
}

/** What PUT /api/conversations/{id} takes: the page's copy, without what only this page uses. */
function toServer(c: Conversation, removed: string[]) {
  return {
    title: c.title,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    leaf: c.leaf,
    settings: c.settings,
    messages: c.messages.map(({ reconnecting: _r, lastEventId: _l, unsaved: _u, ...m }) => m),
    removed,
  };
}

/** The same conversation as far as anyone sees it: messages (text, versions, status), the version shown, the title. */
function same(a: Conversation, b: Conversation): boolean {
  const key = (c: Conversation) =>
    JSON.stringify([c.title ?? null, c.leaf ?? null, c.messages.map((m) => [m.id, m.parent ?? null, m.content, m.reasoning ?? "", m.status ?? null])]);
  return key(a) === key(b);
}

/** The server's copy, with what only this page measured (writing time, the last event seen) kept where the message is the same. */
function withLocalDetails(remote: Conversation, local: Conversation | undefined): Conversation {
  if (!local) return remote;
  const mine = new Map(local.messages.map((m) => [m.id, m]));
  return {
    ...remote,
    messages: remote.messages.map((m) => {
      const l = mine.get(m.id);
      if (!l || l.content !== m.content) return m;
      return { ...m, ...(l.writingMs !== undefined && { writingMs: l.writingMs }), ...(l.reasoningStartedAt !== undefined && { reasoningStartedAt: l.reasoningStartedAt }) };
    }),
  };
}

function remembered(): boolean {
  try {
    return localStorage.getItem(OFFERED) !== null;
  } catch {
    return true;
  }
}

function remember(): void {
  try {
    localStorage.setItem(OFFERED, "1");
  } catch {}
}
