import { createStore } from "solid-js/store";
import { type Settings, requestOptions, restoreSettings, withSystem } from "./settings.ts";
import {
  type ChatFailure,
  type ChatStreamEvent,
  type AnswerIds,
  type RequestOptions,
  type Usage,
  type WireMessage,
  resumeStream,
  stopAnswer,
  streamChat,
} from "./stream.ts";
import { type Attachment, restoreAttachments, toContent } from "./attachments.ts";
import { restoreReasoning, thinking } from "./reasoning.ts";
import { yieldToPage } from "./yield-to-page.ts";

export interface Message {
  id: string;
  /** The message this one follows; its siblings (same parent) are the other versions written in its place. */
  parent?: string;
  role: "user" | "assistant";
  content: string;
  /** User messages: the files sent with it (kept with the message, so a retry sends them again). */
  attachments?: Attachment[];
  /** Answers of reasoning models: what the model thought before answering (never sent back upstream). */
  reasoning?: string;
  /** When the first reasoning arrived here (epoch ms, so the "Thinking… 5 s" clock survives a reload). */
  reasoningStartedAt?: number;
  /** How long the model thought: measured here when the content starts, then the server's figure at the finish. */
  reasoningMs?: number;
  /** The answer is the model declining to answer, as the server reported it. */
  refusal?: boolean;
  /** Answers only: how the answer ended (or that it is still arriving). */
  status?: "streaming" | "done" | "stopped" | "error";
  error?: ChatFailure;
  /** The model that wrote the answer, as the server reported it. */
  model?: string;
  /** Why the model stopped (`stop`, `length`, `content_filter`, `stopped`), as the server reported it. */
  finishReason?: string;
  /** Token counts, when the upstream reported them. */
  usage?: Usage;
  /** Milliseconds from the first token to the finish, measured here (only when this page saw both). */
  writingMs?: number;
  /** The server's id for the answer (`X-Stream-Id`): what Stop names and a re-attach asks for. */
  streamId?: string;
  /** The SSE id of the last event already in `content`: a re-attach asks for the events after it. */
  lastEventId?: string;
  /** While the connection is being re-established after a drop. */
  reconnecting?: boolean;
  /** The server said it cannot save this answer (its words); it streams on, kept in this browser. */
  unsaved?: string;
}

export interface ChatState {
  /** Every message of every version, oldest first (only appended to while an answer streams). */
  all: Message[];
  /** The last message on screen: the visible conversation is the path from the root down to it. */
  leaf?: string;
  /** The visible conversation: what is shown and what the next request sends. */
  readonly messages: Message[];
  streaming: boolean;
  /** The conversation's settings, sent with each request. */
  settings: Settings;
}

/** A conversation as saved: all its messages (linked by `parent`) and the leaf on screen. */
export interface SavedChat {
  messages: readonly Message[];
  settings?: Settings;
  leaf?: string;
}

/**
 * Where the conversation survives a reload; the store itself never touches the DOM. `load` may return a
 * SavedChat, one saved before branches (no `leaf`: the messages are one line), or before settings (an array).
 */
export interface Persistence {
  load(): unknown;
  save(saved: SavedChat): void;
}

export type StreamFn = (opts: {
  messages: WireMessage[];
  options?: RequestOptions;
  ids?: AnswerIds;
  signal: AbortSignal;
  token?: string;
}) => AsyncIterable<ChatStreamEvent>;
export type ResumeFn = (opts: {
  id: string;
  lastEventId?: string;
  signal: AbortSignal;
  token?: string;
}) => AsyncIterable<ChatStreamEvent>;

export interface ChatOptions {
  /** The conversation's id: the server saves its answers under it (with history on). */
  conversationId?: string;
  stream?: StreamFn;
  /** Re-attaches to an answer by its id, after the last event already shown. */
  resume?: ResumeFn;
  /** Tells the server to stop an answer by its id. */
  stopRemote?: (id: string, opts: { token?: string }) => Promise<void>;
  persistence?: Persistence;
  /** While an answer streams it is saved at most this often, so a reload keeps most of it. */
  saveEveryMs?: number;
  /** The waits before each re-attach once a connection drops; when they run out, the error shows. */
  reconnectDelaysMs?: readonly number[];
  /** The access token sent with every call, read at each call (a 401 may have changed it). */
  token?: () => string | undefined;
  /** A call was refused for its token (401): the page asks for the token again. */
  onUnauthorized?: () => void;
  /** The clock for tokens per second (tests drive it). */
  now?: () => number;
  /** The wall clock (epoch ms) for how long the model thought, kept with the message (tests drive it). */
  wallClock?: () => number;
}

export type Chat = ReturnType<typeof createChat>;

const RECONNECT_DELAYS_MS = [500, 1000, 2000];

let nextId = 0;
// Not crypto.randomUUID: it exists only in secure contexts, and the chat may be served over plain http on a LAN.
// The random tail keeps two devices adding to one conversation in the same millisecond apart.
const newId = () => `${Date.now().toString(36)}-${(nextId++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** The conversation: send, stop, retry, edit, pick a version, clear, resume. Updates go by path, so a delta re-renders one text node. */
export function createChat(opts: ChatOptions = {}) {
  const stream = opts.stream ?? streamChat;
  const resume = opts.resume ?? resumeStream;
  const stopRemote = opts.stopRemote ?? stopAnswer;
  const token = () => opts.token?.();
  const delays = opts.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
  const now = opts.now ?? (() => performance.now());
  const wallClock = opts.wallClock ?? Date.now;
  const persistence = opts.persistence;
  const loaded = persistence?.load();
  const saved = Array.isArray(loaded) ? { messages: loaded } : (loaded as { messages?: unknown; settings?: unknown; leaf?: unknown } | undefined);
  const leaf = typeof saved?.leaf === "string" ? saved.leaf : undefined;
  const restored = restore(saved?.messages, leaf);
  const [state, setState] = createStore<ChatState>({
    all: restored,
    leaf: restored.some((m) => m.id === leaf) ? leaf : restored.at(-1)?.id,
    get messages() {
      return visiblePath<Message>(this.all, this.leaf);
    },
    streaming: restored.some((m) => m.status === "streaming"),
    settings: restoreSettings(saved?.settings),
  });
  /** The answer being followed now, and the message it writes to. */
  let live: { ctrl: AbortController; index: number; id: string } | undefined;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;

  const save = () => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    persistence?.save({ messages: state.all, settings: state.settings, leaf: state.leaf });
  };
  const saveSoon = () => {
    saveTimer ??= setTimeout(save, opts.saveEveryMs ?? 1000);
  };

  /** Appends a message after `parent` (undefined: a first question) and shows it. */
  const add = (m: Omit<Message, "id" | "parent">, parent: string | undefined) => {
    const id = newId();
    setState("all", state.all.length, { id, ...(parent !== undefined && { parent }), ...m });
    setState("leaf", id);
  };

  /** Streams an answer to the visible conversation into a new assistant message after it. */
  async function answer(): Promise<void> {
    const sent = state.messages.filter(wireable);
    const history = withSystem(toWire(sent), state.settings);
    const options = requestOptions(state.settings);
    const index = state.all.length;
    add({ role: "assistant", content: "", status: "streaming" }, state.leaf);
    const ids = opts.conversationId && {
      conversation: opts.conversationId,
      // withSystem may put the system message first: it has no id.
      messages: [...Array<undefined>(history.length - sent.length), ...sent.map((m) => m.id)],
      answer: state.all[index]!.id,
    };
    await follow(index, (signal) => stream({ messages: history, options, signal, token: token(), ...(ids && { ids }) }));
  }

  /**
   * Follows the answer in `state.all[index]` to its end: the first request (if any), then, each time the
   * connection drops, a re-attach after the last event seen, waiting longer each time. A re-attach that
   * makes progress starts the waits over.
   */
  async function follow(index: number, first?: (signal: AbortSignal) => AsyncIterable<ChatStreamEvent>): Promise<void> {
    const id = state.all[index]!.id;
    const ctrl = new AbortController();
    live = { ctrl, index, id };
    setState("streaming", true);
    // After "New chat" the index may belong to nothing (or to someone else): write only to our own message.
    const mine = () => state.all[index]?.id === id;
    const streaming = () => mine() && state.all[index]!.status === "streaming";
    const end = (status: "done" | "stopped" | "error", error?: ChatFailure) => {
      if (!streaming()) return;
      const m = state.all[index]!;
      // Cut off while still thinking (Stop, an error, the token limit): it thought until now.
      const thought = m.reasoning && m.reasoningMs === undefined && m.reasoningStartedAt !== undefined;
      setState("all", index, { status, error, reconnecting: undefined, ...(thought && { reasoningMs: Math.max(0, wallClock() - m.reasoningStartedAt!) }) });
      if (error?.status === 401) opts.onUnauthorized?.();
    };
    // What shows if re-attaching never works: without a first request, the page went away mid-answer.
    let lost: ChatFailure = interrupted();
    let waits = 0;
    // Speed is measured only for an answer this page asked for: one re-attached to (after a reload, or
    // from another device) replays what came before at network speed.
    const timing: Timing = { measurable: first !== undefined };
    try {
      let events = first?.(ctrl.signal);
      while (streaming() && !ctrl.signal.aborted) {
        const m = state.all[index]!;
        if (!events) {
          if (!m.streamId) break;
          events = resume({ id: m.streamId, lastEventId: m.lastEventId, signal: ctrl.signal, token: token() });
        }
        const before = m.lastEventId;
        const drop = await apply(events, { index, mine, end, timing });
        events = undefined;
        // The server has forgotten the answer (expired, or restarted): nothing left to re-attach to.
        if (!drop || drop.type === "stream_not_found") break;
        lost = drop;
        if (state.all[index]?.lastEventId !== before) waits = 0;
        if (waits >= delays.length || !state.all[index]?.streamId) break;
        setState("all", index, "reconnecting", true);
        await sleep(delays[waits++]!, ctrl.signal);
      }
    } catch (err) {
      if (!ctrl.signal.aborted) end("error", { message: describe(err), type: "client_error", status: 0 });
    }
    if (ctrl.signal.aborted) end("stopped");
    end("error", lost);
    if (live?.ctrl === ctrl) {
      live = undefined;
      setState("streaming", false);
    }
    // A task of its own: the task that drew the answer's end is long enough without copying 100+ KB.
    await yieldToPage();
    save();
  }

  /** One connection's events into the message. A dropped connection comes back as its failure, to re-attach. */
  async function apply(
    events: AsyncIterable<ChatStreamEvent>,
    o: {
      index: number;
      mine: () => boolean;
      end: (status: "done" | "stopped" | "error", error?: ChatFailure) => void;
      timing: Timing;
    },
  ): Promise<ChatFailure | undefined> {
    const { index, end, timing } = o;
    for await (const e of events) {
      if (!o.mine()) return undefined;
      if (state.all[index]!.reconnecting) setState("all", index, "reconnecting", undefined);
      if (e.type === "start") {
        if (state.all[index]!.streamId === e.id) continue;
        setState("all", index, "streamId", e.id);
        save(); // From here a reload can re-attach, so the answer must be on record at once.
      } else if (e.type === "delta") {
        if (timing.measurable) timing.firstAt ??= now();
        timing.contentFrom ??= wallClock();
        const m = state.all[index]!;
        // The first words of the answer end the thinking (measured here until the server's figure comes).
        if (m.reasoning && m.content === "" && m.reasoningMs === undefined && m.reasoningStartedAt !== undefined) {
          setState("all", index, "reasoningMs", Math.max(0, wallClock() - m.reasoningStartedAt));
        }
        setState("all", index, "content", (text) => text + e.content);
        if (e.eventId) setState("all", index, "lastEventId", e.eventId);
        saveSoon();
      } else if (e.type === "reasoning") {
        // Completion tokens count the thinking too, so the speed is measured from the first thought.
        if (timing.measurable) timing.firstAt ??= now();
        setState("all", index, thinking(state.all[index]!, e, { now: wallClock(), contentFrom: timing.contentFrom }));
        if (e.eventId) setState("all", index, "lastEventId", e.eventId);
        saveSoon();
      } else if (e.type === "finish") {
        if (e.model) setState("all", index, "model", e.model);
        setState("all", index, "finishReason", e.finishReason);
        if (e.usage) setState("all", index, "usage", e.usage);
        if (e.reasoningMs !== undefined) setState("all", index, "reasoningMs", e.reasoningMs);
        if (e.refusal) setState("all", index, "refusal", true);
        if (timing.firstAt !== undefined) setState("all", index, "writingMs", now() - timing.firstAt);
        if (e.eventId) setState("all", index, "lastEventId", e.eventId);
        // Stopped elsewhere (another tab, another client): the server ends the answer as "stopped".
        if (e.finishReason === "stopped") end("stopped");
      } else if (e.type === "history") {
        setState("all", index, "unsaved", e.saved ? undefined : (e.message ?? "This answer is not being saved on the server."));
      } else if (e.type === "done") {
        end("done");
        return undefined;
      } else {
        if (isDrop(e.error)) return e.error;
        end("error", e.error);
        return undefined;
      }
    }
    return { message: "The answer ended before it was complete.", type: "connection_lost", status: 0 };
  }

  function stop(): void {
    if (live) {
      const m = state.all[live.index];
      if (m?.id === live.id && m.streamId) void stopRemote(m.streamId, { token: token() });
      live.ctrl.abort();
      return;
    }
    // Restored mid-answer and not re-attached yet: there is no connection to abort, only the answer itself.
    const index = state.all.findIndex((m) => m.status === "streaming");
    const m = state.all[index];
    if (!m) return;
    if (m.streamId) void stopRemote(m.streamId, { token: token() });
    setState("all", index, "status", "stopped");
    setState("streaming", false);
    save();
  }

  async function retry(): Promise<void> {
    const path = state.messages;
    const q = path.findLastIndex((m) => m.role === "user");
    if (state.streaming || q < 0) return;
    // A failed answer is replaced (nothing worth keeping as a version); a finished one stays as one.
    const failed = path[q + 1]?.status === "error" ? path[q + 1]!.id : undefined;
    if (failed) setState("all", (all) => all.filter((m) => m.id !== failed));
    setState("leaf", path[q]!.id);
    await answer();
  }

  return {
    state,

    /** Adds the user's message (with its files) and streams the answer. Resolves when the answer has ended. */
    async send(text: string, attachments: Attachment[] = []): Promise<void> {
      const content = text.trim();
      if ((!content && attachments.length === 0) || state.streaming) return;
      add({ role: "user", content, ...(attachments.length > 0 && { attachments }) }, state.leaf);
      save();
      await answer();
    },

    /**
     * Re-attaches to the answer that was still streaming when the page went away, and follows it to the
     * end. Call it once the server can be asked (after unlocking). Resolves when that answer has ended.
     */
    async resume(): Promise<void> {
      if (live) return;
      const index = state.all.findIndex((m) => m.status === "streaming");
      if (index >= 0) await follow(index);
    },

    /** Stops the answer in flight, on the server and here; what arrived so far stays. */
    stop,

    /** Re-asks the last question: a new version of its answer (Regenerate), or one in place of a failure (Retry). */
    retry,

    /**
     * Asks a user message again, changed: a new version of it, answered; the old one and what followed stay
     * as the other version. Not while an answer streams. Resolves when the new answer has ended.
     */
    async edit(id: string, text: string): Promise<void> {
      const content = text.trim();
      const m = state.all.find((x) => x.id === id && x.role === "user");
      if (!content || !m || state.streaming) return;
      // The new version keeps the files of the one it replaces.
      add({ role: "user", content, ...(m.attachments && { attachments: m.attachments }) }, m.parent);
      save();
      await answer();
    },

    /** Shows version `id` of a message, and below it the newest of what followed it. Not while an answer streams. */
    select(id: string): void {
      if (state.streaming || !state.all.some((m) => m.id === id)) return;
      let leaf = id;
      for (let next; (next = state.all.findLast((m) => m.parent === leaf)); ) leaf = next.id;
      setState("leaf", leaf);
      save();
    },

    /** Changes the conversation's settings (a key set to `undefined` goes back to the server's default). */
    updateSettings(patch: Partial<Settings>): void {
      setState("settings", patch);
      save();
    },

    /** Starts over: stops any answer and forgets the conversation; its settings carry over to the new one. */
    clear(): void {
      if (state.streaming) stop();
      live = undefined;
      setState({ all: [], leaf: undefined, streaming: false });
      save();
    },
  };
}

/**
 * The messages the server sees: the visible conversation, without empty (failed) answers; a message with
 * files as content parts, any other as the seed's string.
 */
export function toWire(messages: readonly Message[]): WireMessage[] {
  return messages.filter(wireable).map((m) => ({ role: m.role, content: m.role === "user" ? toContent(m.content, m.attachments) : m.content }));
}

/** Whether a message is sent at all: failed answers (empty) are not. */
const wireable = (m: Message) => m.content.length > 0 || !!m.attachments?.length;

/** The path from the root down to `leaf`. Without a leaf (saved before branches) the messages are the path. */
export function visiblePath<T extends { id: string; parent?: string }>(all: readonly T[], leaf?: string): T[] {
  if (leaf === undefined) return [...all];
  const path: T[] = [];
  // Bounded, so a corrupt record with a cycle cannot hang the page.
  for (let id: string | undefined = leaf, m; (m = all.find((x) => x.id === id)) && path.length < all.length; id = m.parent) {
    path.unshift(m);
  }
  return path;
}

/** The versions of a message: it and the others written in its place, oldest first. */
export function versionsOf<T extends { id: string; parent?: string }>(all: readonly T[], m: T): T[] {
  return all.filter((x) => x.parent === m.parent);
}

/**
 * Saved messages back into state. Without a `leaf` they were saved before branches, as one line: each
 * follows the one before. An answer saved mid-stream with its server id stays "streaming", to be
 * re-attached by `resume()`; without one (or if it is not the leaf) it becomes a retryable failure.
 */
export function restore(saved: unknown, leaf?: string): Message[] {
  if (!Array.isArray(saved)) return [];
  const out: Message[] = [];
  for (const m of saved as Partial<Message>[]) {
    if (!m || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string") continue;
    const message: Message = { id: typeof m.id === "string" ? m.id : newId(), role: m.role, content: m.content };
    const parent = leaf === undefined ? out.at(-1)?.id : m.parent;
    if (typeof parent === "string") message.parent = parent;
    const attachments = m.role === "user" ? restoreAttachments(m.attachments) : undefined;
    if (attachments) message.attachments = attachments;
    if (m.role === "assistant") {
      message.status = m.status ?? "done";
      if (m.model) message.model = m.model;
      restoreReasoning(m, message);
      if (typeof m.finishReason === "string") message.finishReason = m.finishReason;
      if (m.usage && typeof m.usage.completion_tokens === "number") message.usage = m.usage;
      if (typeof m.writingMs === "number") message.writingMs = m.writingMs;
      if (typeof m.streamId === "string") message.streamId = m.streamId;
      if (typeof m.lastEventId === "string") message.lastEventId = m.lastEventId;
      if (m.error) message.error = m.error;
    }
    out.push(message);
  }
  const last = leaf ?? out.at(-1)?.id;
  out.forEach((m) => {
    if (m.status === "streaming" && (!m.streamId || m.id !== last)) {
      m.status = "error";
      m.error = interrupted();
    }
  });
  return out;
}

/** When the first token of an answer arrived, if this page is measuring it. */
interface Timing {
  measurable: boolean;
  firstAt?: number;
  /** When the first content arrived over this connection (epoch ms): the start of thinking, if it turns out to be that. */
  contentFrom?: number;
}

/** Failures that mean only the connection is gone, not the answer: worth re-attaching. */
function isDrop(error: ChatFailure): boolean {
  return error.type === "connection_lost" || error.type === "network_error" || error.type === "stream_not_found";
}

const interrupted = (): ChatFailure => ({
  message: "The page was closed before this answer finished.",
  type: "interrupted",
  status: 0,
});

/** Waits, or stops waiting as soon as the answer is stopped. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });
}

function describe(err: unknown): string {
  return err instanceof Error && err.message ? err.message : "Something went wrong while reading the answer.";
}
