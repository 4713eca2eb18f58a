import type { WirePart } from "./attachments.ts";
import { bearer } from "./auth.ts";
import { yieldToPage } from "./yield-to-page.ts";

export type Role = "user" | "assistant" | "system";

export interface WireMessage {
  role: Role;
  /** The seed's string, or text and image parts when the message has files. */
  content: string | WirePart[];
}

/** A failure the user sees: the server's own error body, or one we name for the network or protocol. */
export interface ChatFailure {
  message: string;
  type: string;
  status: number;
  /** Seconds to wait before retrying, when the server said so. */
  retryAfter?: number;
}

/** The optional settings a POST may carry beside `messages`. */
export interface RequestOptions {
  model?: string;
  temperature?: number;
  max_tokens?: number;
  reasoning_effort?: ReasoningEffort;
}

/** How hard a reasoning model may think (`reasoning_effort`); unset leaves it to the model. */
export type ReasoningEffort = "none" | "minimal" | "low" | "medium" | "high";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  /** Of `completion_tokens`, how many the model spent thinking (when the upstream says). */
  completion_tokens_details?: { reasoning_tokens?: number };
}

/**
 * What one answer yields, in order: its id (if the server names it), reasoning and content deltas, at
 * most one finish, then exactly one of done or error. `eventId` is the SSE `id:` of the event:
 * re-attaching after it resumes exactly where this event left off.
 */
export type ChatStreamEvent =
  | { type: "start"; id: string }
  | { type: "delta"; content: string; eventId?: string }
  | ReasoningEvent
  | FinishEvent
  | { type: "done" }
  | { type: "error"; error: ChatFailure }
  /** Whether the server is saving this answer (`event: history`): said when that changes. */
  | { type: "history"; saved: boolean; message?: string };

/** The ids the server saves the answer under (with history on): the conversation's, each message's, the answer's. */
export interface AnswerIds {
  conversation: string;
  /** By index of the messages sent (undefined for the system message). */
  messages: (string | undefined)[];
  answer: string;
}

/**
 * The model's thinking (`event: reasoning`). `contentWasReasoning`: all the content of this answer so far
 * was thinking too (a model that wrote only the closing `</think>`): it moves into the reasoning, before
 * `reasoning`, and the content starts again empty.
 */
export interface ReasoningEvent {
  type: "reasoning";
  reasoning: string;
  contentWasReasoning?: boolean;
  eventId?: string;
}

export interface FinishEvent {
  type: "finish";
  finishReason: string;
  model?: string;
  usage?: Usage;
  /** First reasoning token to first content token, measured by the server. */
  reasoningMs?: number;
  /** The answer is the model declining to answer. */
  refusal?: boolean;
  eventId?: string;
}

// A single model line may be large (reasoning traces), but an endless line must not eat the tab's memory.
const MAX_EVENT_CHARS = 8 * 1024 * 1024;
/** Text parsed between checks of the clock: ~8 KB is a hundred-odd events, a millisecond or two. */
const FEED_CHARS = 8 * 1024;
/** Work on the stream runs this long at most before the page gets a turn (a long task is 50 ms). */
const YIELD_AFTER_MS = 4;

let parserChunk: Promise<typeof import("eventsource-parser")> | undefined;
/**
 * The SSE parser, in a chunk of its own (1.8 KB gzipped off the first paint): asked for as a request
 * starts, so it arrives while the server is still waiting for the model's first token.
 */
export const loadParser = () => (parserChunk ??= import("eventsource-parser"));

/**
 * POSTs the conversation and yields the answer's events. Every server, network and protocol failure
 * becomes an `error` event; only the caller's own abort is thrown (as the fetch's AbortError).
 */
export function streamChat(opts: {
  messages: WireMessage[];
  /** Per-conversation settings beside `messages`, only those that are set. */
  options?: RequestOptions;
  /** Where the server keeps the answer (with history on; a server without it ignores them). */
  ids?: AnswerIds;
  signal: AbortSignal;
  token?: string;
  fetch?: typeof fetch;
}): AsyncGenerator<ChatStreamEvent> {
  const { ids } = opts;
  const messages = ids ? opts.messages.map((m, i) => (ids.messages[i] ? { ...m, id: ids.messages[i] } : m)) : opts.messages;
  return open("/api/chat", {
    init: {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream", ...bearer(opts.token) },
      body: JSON.stringify({ messages, ...opts.options, ...(ids && { conversation_id: ids.conversation, answer_id: ids.answer }) }),
    },
    ...opts,
  });
}

/**
 * Re-attaches to an answer (`GET /api/chat/{id}/stream`) after a dropped connection or a reload: the
 * server sends exactly the events after `lastEventId` (all of them without it), then the live rest.
 * An answer the server no longer knows is an `error` event with status 404 (`stream_not_found`).
 */
export function resumeStream(opts: {
  id: string;
  lastEventId?: string;
  signal: AbortSignal;
  token?: string;
  fetch?: typeof fetch;
}): AsyncGenerator<ChatStreamEvent> {
  const headers: Record<string, string> = { Accept: "text/event-stream", ...bearer(opts.token) };
  if (opts.lastEventId !== undefined) headers["Last-Event-ID"] = opts.lastEventId;
  return open(`/api/chat/${encodeURIComponent(opts.id)}/stream`, { init: { headers }, ...opts });
}

/**
 * Stops an answer on the server (`DELETE /api/chat/{id}`). Closing the connection alone is not enough:
 * the server keeps a disconnected answer going for a while, so a reload can re-attach to it.
 */
export async function stopAnswer(id: string, opts: { token?: string; fetch?: typeof fetch } = {}): Promise<void> {
  try {
    await (opts.fetch ?? fetch)(`/api/chat/${encodeURIComponent(id)}`, { method: "DELETE", headers: bearer(opts.token) });
  } catch {
    // The fetch's abort still closes our side; the server then ends the answer after its grace period.
  }
}

/** One request whose answer is an event stream: the answer's id from `X-Stream-Id`, then its events. */
async function* open(
  url: string,
  opts: { init: RequestInit; signal: AbortSignal; fetch?: typeof fetch },
): AsyncGenerator<ChatStreamEvent> {
  const { signal } = opts;
  void loadParser().catch(() => {});
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(url, { ...opts.init, signal });
  } catch (err) {
    if (signal.aborted) throw err;
    yield { type: "error", error: unreachable() };
    return;
  }
  if (!res.ok) {
    yield { type: "error", error: await errorFromResponse(res) };
    return;
  }
  const id = res.headers.get("x-stream-id");
  if (id) yield { type: "start", id };
  yield* readChatStream(res, signal);
}

/** Reads the server's SSE body: `data: {"content"}` deltas, `event: finish`, `event: error`, `data: [DONE]`. */
export async function* readChatStream(res: Response, signal?: AbortSignal): AsyncGenerator<ChatStreamEvent> {
  if (!res.body || !(res.headers.get("content-type") ?? "").startsWith("text/event-stream")) {
    yield { type: "error", error: protocolError(`the server answered ${res.headers.get("content-type") ?? "without a body"}`) };
    return;
  }
  let createParser;
  try {
    ({ createParser } = await loadParser());
  } catch {
    // The page's own chunk did not load (the server restarted into a new build, or the network went).
    parserChunk = undefined;
    yield { type: "error", error: unreachable() };
    return;
  }
  const queue: ChatStreamEvent[] = [];
  let ended = false;
  const sse = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onEvent({ event, data, id }) {
      if (ended) return;
      const e = toEvent(event, data, id);
      if (e) queue.push(e);
      if (e?.type === "done" || e?.type === "error") ended = true;
    },
    onError() {
      if (ended) return;
      ended = true;
      queue.push({ type: "error", error: protocolError("an event was larger than 8 MiB") });
    },
  });

  const reader = res.body.getReader();
  // One decoder for the whole body: `stream: true` holds back a multi-byte character split across chunks.
  const decoder = new TextDecoder();
  let lastYield = performance.now();
  try {
    while (!ended) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (signal?.aborted) throw err;
        queue.push({ type: "error", error: cut() });
        break;
      }
      const text = chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
      // One read of a fast stream can hold hundreds of KB (thousands of events): parsing it and updating
      // the store in one go is a long task, so it is fed in slices (eventsource-parser takes any split).
      for (let at = 0; at < text.length && !ended; at += FEED_CHARS) {
        sse.feed(text.slice(at, at + FEED_CHARS));
        yield* joinDeltas(queue.splice(0));
        // A backlog of network reads resolves as one microtask chain: give the page a turn now and then.
        if (performance.now() - lastYield > YIELD_AFTER_MS) {
          await yieldToPage();
          lastYield = performance.now();
        }
      }
      if (chunk.done) {
        // A stream that simply stops, without [DONE] or an error event, lost its connection somewhere.
        if (!ended) queue.push({ type: "error", error: cut() });
        ended = true;
      }
      yield* joinDeltas(queue.splice(0));
    }
    yield* joinDeltas(queue.splice(0));
  } finally {
    // Stops the body (and with it the server's upstream call) if we leave early.
    reader.cancel().catch(() => {});
  }
}

function toEvent(event: string | undefined, data: string, eventId: string | undefined): ChatStreamEvent | undefined {
  if (event === "error") {
    const body = parseJSON(data) as Partial<ChatFailure> & { retry_after?: number };
    return { type: "error", error: failure(body, "the server reported an error without details") };
  }
  if (event === "finish") {
    const body = parseJSON(data) as
      | { finish_reason?: unknown; model?: unknown; usage?: Usage; reasoning_ms?: unknown; refusal?: unknown }
      | undefined;
    const finishReason = typeof body?.finish_reason === "string" ? body.finish_reason : "stop";
    const e: FinishEvent = { type: "finish", finishReason, model: typeof body?.model === "string" ? body.model : undefined, usage: body?.usage };
    // Added only when present, so a finish without them reads exactly as it did before reasoning.
    if (typeof body?.reasoning_ms === "number" && body.reasoning_ms >= 0) e.reasoningMs = body.reasoning_ms;
    if (body?.refusal === true) e.refusal = true;
    return withId(e, eventId);
  }
  if (event === "reasoning") {
    const body = parseJSON(data) as { reasoning?: unknown; content_was_reasoning?: unknown } | undefined;
    if (typeof body?.reasoning !== "string") return { type: "error", error: protocolError("a reasoning event was not valid JSON") };
    const e: ReasoningEvent = { type: "reasoning", reasoning: body.reasoning };
    if (body.content_was_reasoning === true) e.contentWasReasoning = true;
    return withId(e, eventId);
  }
  if (event === "history") {
    const body = parseJSON(data) as { saved?: unknown; message?: unknown } | undefined;
    if (typeof body?.saved !== "boolean") return undefined;
    return { type: "history", saved: body.saved, ...(typeof body.message === "string" && { message: body.message }) };
  }
  if (event !== undefined && event !== "message") return undefined; // events this client does not know yet
  if (data === "[DONE]") return { type: "done" };
  const body = parseJSON(data) as { content?: unknown } | undefined;
  if (typeof body?.content !== "string") return { type: "error", error: protocolError("a message was not valid JSON") };
  return withId({ type: "delta", content: body.content }, eventId);
}

function withId<E extends ChatStreamEvent & { eventId?: string }>(e: E, eventId: string | undefined): E {
  if (eventId) e.eventId = eventId;
  return e;
}

function parseJSON(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A non-2xx answer: our JSON `{"error":{...}}`, or whatever a proxy in between sent. */
async function errorFromResponse(res: Response): Promise<ChatFailure> {
  const text = await res.text().catch(() => "");
  const body = (parseJSON(text) as { error?: Partial<ChatFailure> & { retry_after?: number } } | undefined)?.error;
  const header = Number(res.headers.get("retry-after"));
  const base = failure({ status: res.status, ...body }, `The server answered ${res.status} ${res.statusText}`.trim() + ".");
  if (base.retryAfter === undefined && header > 0) base.retryAfter = header;
  return base;
}

function failure(body: (Partial<ChatFailure> & { retry_after?: number }) | undefined, fallback: string): ChatFailure {
  const out: ChatFailure = {
    message: typeof body?.message === "string" && body.message ? body.message : fallback,
    type: typeof body?.type === "string" ? body.type : "server_error",
    status: typeof body?.status === "number" ? body.status : 500,
  };
  const retryAfter = body?.retry_after ?? body?.retryAfter;
  if (typeof retryAfter === "number" && retryAfter > 0) out.retryAfter = retryAfter;
  return out;
}

const unreachable = (): ChatFailure => ({
  message: "Could not reach the chat server. Check that it is running and your connection is up.",
  type: "network_error",
  status: 0,
});

const cut = (): ChatFailure => ({
  message: "The connection closed before the answer was complete.",
  type: "connection_lost",
  status: 0,
});

const protocolError = (detail: string): ChatFailure => ({
  message: `The answer could not be read: ${detail}.`,
  type: "protocol_error",
  status: 0,
});

/**
 * Consecutive deltas of one network read as one (content with content, reasoning with reasoning): the
 * store, and all that watches it, updates once per read.
 */
function joinDeltas(events: ChatStreamEvent[]): ChatStreamEvent[] {
  const out: ChatStreamEvent[] = [];
  for (const e of events) {
    const prev = out.at(-1);
    // The joined delta carries the last id among them: a re-attach then asks for what came after it.
    const eventId = (e as { eventId?: string }).eventId ?? (prev as { eventId?: string } | undefined)?.eventId;
    if (e.type === "delta" && prev?.type === "delta") out[out.length - 1] = withId({ ...e, content: prev.content + e.content }, eventId);
    // One that moves the content into the reasoning must stay apart from the reasoning before it.
    else if (e.type === "reasoning" && prev?.type === "reasoning" && !e.contentWasReasoning) {
      out[out.length - 1] = withId({ ...prev, reasoning: prev.reasoning + e.reasoning }, eventId);
    } else out.push(e);
  }
  return out;
}
