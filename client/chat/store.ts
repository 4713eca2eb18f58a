import { createStore } from "solid-js/store";
import { type ChatFailure, type ChatStreamEvent, type WireMessage, stopAnswer, streamChat } from "./stream.ts";

export interface Message {
  id: string;
  role: "user" | "assistant";
  content: string;
  /** Answers only: how the answer ended (or that it is still arriving). */
  status?: "streaming" | "done" | "stopped" | "error";
  error?: ChatFailure;
  /** The model that wrote the answer, as the server reported it. */
  model?: string;
  /** The server's id for the answer (`X-Stream-Id`): what Stop names. */
  streamId?: string;
}

export interface ChatState {
  messages: Message[];
  streaming: boolean;
}

/** Where the conversation survives a reload; the store itself never touches the DOM. */
export interface Persistence {
  load(): unknown;
  save(messages: readonly Message[]): void;
}

export type StreamFn = (opts: { messages: WireMessage[]; signal: AbortSignal }) => AsyncIterable<ChatStreamEvent>;

export interface ChatOptions {
  stream?: StreamFn;
  /** Tells the server to stop an answer by its id. */
  stopRemote?: (id: string) => Promise<void>;
  persistence?: Persistence;
  /** While an answer streams it is saved at most this often, so a reload keeps most of it. */
  saveEveryMs?: number;
}

export type Chat = ReturnType<typeof createChat>;

let nextId = 0;
// Not crypto.randomUUID: it exists only in secure contexts, and the chat may be served over plain http on a LAN.
const newId = () => `${Date.now().toString(36)}-${(nextId++).toString(36)}`;

/** The conversation: send, stop, retry, clear. Updates go by path, so a delta re-renders one text node. */
export function createChat(opts: ChatOptions = {}) {
  const stream = opts.stream ?? streamChat;
  const stopRemote = opts.stopRemote ?? stopAnswer;
  const persistence = opts.persistence;
  const [state, setState] = createStore<ChatState>({ messages: restore(persistence?.load()), streaming: false });
  let controller: AbortController | undefined;
  let streamId: string | undefined;
  let saveTimer: ReturnType<typeof setTimeout> | undefined;

  const save = () => {
    clearTimeout(saveTimer);
    saveTimer = undefined;
    persistence?.save(state.messages);
  };
  const saveSoon = () => {
    saveTimer ??= setTimeout(save, opts.saveEveryMs ?? 1000);
  };

  /** Streams an answer to the conversation as it stands now into a new assistant message. */
  async function answer(): Promise<void> {
    const history = toWire(state.messages);
    const id = newId();
    const index = state.messages.length;
    const ctrl = new AbortController();
    controller = ctrl;
    streamId = undefined;
    setState("messages", index, { id, role: "assistant", content: "", status: "streaming" });
    setState("streaming", true);
    // After "New chat" the index may belong to nothing (or to someone else): write only to our own message.
    const mine = () => state.messages[index]?.id === id;
    const end = (status: "done" | "stopped" | "error", error?: ChatFailure) => {
      if (!mine() || state.messages[index]!.status !== "streaming") return;
      setState("messages", index, error ? { status, error } : { status });
    };
    try {
      for await (const e of stream({ messages: history, signal: ctrl.signal })) {
        if (!mine()) break;
        if (e.type === "start") {
          if (controller === ctrl) streamId = e.id;
          setState("messages", index, "streamId", e.id);
        } else if (e.type === "delta") {
          setState("messages", index, "content", (text) => text + e.content);
          saveSoon();
        } else if (e.type === "finish") {
          if (e.model) setState("messages", index, "model", e.model);
          // Stopped elsewhere (another tab, another client): the server ends the answer as "stopped".
          if (e.finishReason === "stopped") end("stopped");
        } else if (e.type === "done") end("done");
        else end("error", e.error);
      }
    } catch (err) {
      if (!ctrl.signal.aborted) end("error", { message: describe(err), type: "client_error", status: 0 });
    }
    if (ctrl.signal.aborted) end("stopped");
    end("error", { message: "The answer ended before it was complete.", type: "connection_lost", status: 0 });
    if (controller === ctrl) {
      controller = undefined;
      streamId = undefined;
      setState("streaming", false);
    }
    save();
  }

  return {
    state,

    /** Adds the user's message and streams the answer. Resolves when the answer has ended. */
    async send(text: string): Promise<void> {
      const content = text.trim();
      if (!content || state.streaming) return;
      setState("messages", state.messages.length, { id: newId(), role: "user", content });
      save();
      await answer();
    },

    /** Stops the answer in flight, on the server and here; what arrived so far stays. */
    stop(): void {
      if (streamId) void stopRemote(streamId);
      controller?.abort();
    },

    /** Re-asks the last user message, replacing the answer(s) after it. */
    async retry(): Promise<void> {
      if (state.streaming) return;
      const lastUser = state.messages.findLastIndex((m) => m.role === "user");
      if (lastUser < 0) return;
      setState("messages", (messages) => messages.slice(0, lastUser + 1));
      await answer();
    },

    /** Starts over: stops any answer and forgets the conversation. */
    clear(): void {
      if (streamId) void stopRemote(streamId);
      controller?.abort();
      controller = undefined;
      streamId = undefined;
      setState({ messages: [], streaming: false });
      save();
    },
  };
}

/** The messages the server sees: the visible conversation, without empty (failed) answers. */
export function toWire(messages: readonly Message[]): WireMessage[] {
  return messages.filter((m) => m.content.length > 0).map((m) => ({ role: m.role, content: m.content }));
}

/** Saved messages back into state. An answer saved mid-stream was cut off by the reload: it becomes retryable. */
export function restore(saved: unknown): Message[] {
  if (!Array.isArray(saved)) return [];
  const out: Message[] = [];
  for (const m of saved as Partial<Message>[]) {
    if (!m || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string") continue;
    const message: Message = { id: typeof m.id === "string" ? m.id : newId(), role: m.role, content: m.content };
    if (m.role === "assistant") {
      message.status = m.status ?? "done";
      if (m.model) message.model = m.model;
      if (typeof m.streamId === "string") message.streamId = m.streamId;
      if (m.error) message.error = m.error;
      if (message.status === "streaming") {
        message.status = "error";
        message.error = { message: "The page was closed before this answer finished.", type: "interrupted", status: 0 };
      }
    }
    out.push(message);
  }
  return out;
}

function describe(err: unknown): string {
  return err instanceof Error && err.message ? err.message : "Something went wrong while reading the answer.";
}
