import type OpenAI from "openai";
import type { Server } from "bun";
import type { Config } from "../config.ts";
import { ChatError, badRequest, errorResponse, missingKey, streamNotFound, tooManyStreams } from "../errors.ts";
import type { History } from "../history/history.ts";
import { saveAnswer } from "../history/save-answer.ts";
import type { StreamStore } from "../resume/store.ts";
import { ownerOf, streamKey } from "../security/owners.ts";
import type { RateLimit } from "../security/rate-limit.ts";
import type { ChatTrace } from "../telemetry/chat-trace.ts";
import type { Telemetry } from "../telemetry/telemetry.ts";
import { toChatError } from "../upstream/error-mapping.ts";
import { streamResponses } from "../upstream/responses-completion.ts";
import { streamCompletion } from "../upstream/stream-completion.ts";
import { AnswerFrames } from "../wire/answer-frames.ts";
import type { Heartbeat } from "../wire/heartbeat.ts";
import { sseResponse } from "../wire/sse-response.ts";
import type { ActiveStreams } from "./active-answers.ts";
import { Generation } from "./generation.ts";
import type { ModelCatalog } from "./models.ts";
import { parseChatRequest } from "./request.ts";

export interface ChatDeps {
  config: Config;
  client: OpenAI;
  active: ActiveStreams;
  heartbeat: Heartbeat;
  rateLimiter: RateLimit;
  store: StreamStore;
  models: ModelCatalog;
  /** Absent when tracing is off: then the request path makes no tracer calls. */
  telemetry?: Telemetry | undefined;
  /** Absent unless CHAT_HISTORY=on: then answers are saved as they stream. */
  history?: History | undefined;
}

/** POST /api/chat: request → validate → provider stream → frames → generation log → SSE response. */
export async function handleChat(req: Request, server: Server<unknown>, deps: ChatDeps): Promise<Response> {
  const { config, active } = deps;
  const trace = deps.telemetry?.startChat(req);
  let messages;
  let settings: Config;
  let chat;
  try {
    chat = await parseChatRequest(req, config.limits);
    messages = chat.messages;
    const resolved = deps.models.resolve(chat.options);
    settings = resolved instanceof Promise ? await resolved : resolved;
  } catch (err) {
    return refuse(toChatError(err, config), trace);
  }
  if (!config.apiKey && !config.baseURL) return refuse(missingKey(), trace);
  const owner = ownerOf(req);
  // Ids are each owner's own: one this owner has none of starts a conversation under it (the page names its own).
  const conversationId = deps.history && (chat.conversationId ?? crypto.randomUUID());
  // The address costs a system call (getpeername): asked only when a per-client limit counts by it.
  const { maxStreamsPerClient, requestsPerMinute } = config.limits;
  const client = maxStreamsPerClient > 0 || requestsPerMinute > 0 ? (server.requestIP(req)?.address ?? "unknown") : "unknown";
  const admitted = admit(client, deps);
  const refused = admitted instanceof Promise ? await admitted : admitted;
  if (refused) return refuse(refused, trace);

  // 122 random bits: the id is the only key to a live answer when no access token is configured.
  const id = crypto.randomUUID();
  const abort = new AbortController();
  const model = trace?.modelCall({ messages, config: settings });
  const frames = new AnswerFrames();
  // Both protocols write the same frames and end the same way: nothing past here can tell them apart.
  const stream = settings.upstreamApi === "responses" ? streamResponses : streamCompletion;
  const events = stream({
    sink: frames,
    client: deps.client,
    config: settings,
    messages,
    signal: abort.signal,
    headers: model?.headers,
    onFirstToken: model?.onFirstToken,
    onFirstReasoning: model?.onFirstReasoning,
  });
  // Another owner's lookup of this id finds nothing: the log's key is the owner's (security/owners.ts).
  const key = streamKey(owner, id);
  const log = await deps.store.create(key);
  const writer =
    deps.history && conversationId
      ? saveAnswer({
          history: deps.history,
          owner,
          conversationId,
          messages,
          messageIds: chat.messageIds,
          answerId: chat.answerId,
          options: chat.options,
          streamId: id,
          writer: log,
          frames,
        })
      : log;
  const generation = new Generation({
    events,
    frames,
    abort,
    writer,
    graceMs: config.resume.graceMs,
    finishUnread: deps.history !== undefined,
    toChatError: (err) => toChatError(err, config),
    trace,
    onEnd: () => active.delete(key),
  });
  active.add(key, { abort, client, generation });
  return attach({ req, server, deps, key, id, afterSeq: 0, headers: conversationId ? { "X-Conversation-Id": conversationId } : undefined });
}

/** GET /api/chat/{id}/stream: re-attach, with `Last-Event-ID` (none: from the start). */
export async function handleResume(req: Request & { params: { id: string } }, server: Server<unknown>, deps: ChatDeps): Promise<Response> {
  const header = req.headers.get("last-event-id") ?? "0";
  if (!/^\d{1,15}$/.test(header.trim())) return errorResponse(badRequest("Last-Event-ID must be the id of an event of this stream."));
  const id = req.params.id;
  return attach({ req, server, deps, key: streamKey(ownerOf(req), id), id, afterSeq: Number(header) });
}

/** DELETE /api/chat/{id}: Stop. The answer ends at once; what was written stays readable. */
export async function handleStop(req: Request & { params: { id: string } }, deps: ChatDeps): Promise<Response> {
  if (!(await deps.store.requestStop(streamKey(ownerOf(req), req.params.id)))) return errorResponse(streamNotFound());
  return new Response(null, { status: 204 });
}

/** One reader of an answer's log (`key`: the owner's; `id`: the stream id the client knows). */
async function attach(o: {
  req: Request;
  server: Server<unknown>;
  deps: ChatDeps;
  key: string;
  id: string;
  afterSeq: number;
  headers?: Record<string, string> | undefined;
}): Promise<Response> {
  const { req, server, deps, key, id } = o;
  const reader = new AbortController();
  let frames;
  try {
    frames = await deps.store.read(key, o.afterSeq, reader.signal);
  } catch (err) {
    // A Last-Event-ID the log cannot continue from, or Redis failing: JSON, before the stream starts.
    if (err instanceof ChatError) return errorResponse(err);
    throw err;
  }
  if (!frames) return errorResponse(streamNotFound());
  // The heartbeat keeps the socket alive, but a stalled model must never hit Bun's idle timeout.
  server.timeout(req, 0);
  const generation = deps.active.get(key)?.generation;
  generation?.attached();
  return sseResponse({
    frames,
    heartbeat: deps.heartbeat,
    req,
    reader,
    headers: { "X-Stream-Id": id, ...o.headers },
    onClose: () => generation?.detached(),
  });
}

/** A JSON error answered at once; the request's span (if tracing) ends with it. */
function refuse(err: ChatError, trace: ChatTrace | undefined): Response {
  trace?.refuse(err);
  return errorResponse(err);
}

/**
 * The limits a new stream must pass: total, per client address, and requests a minute. Synchronous
 * unless the rate limiter is (Redis): an await costs a turn of the microtask queue on every chat.
 * Kept on measurement: with this and `ModelCatalog.resolve` made plain async functions, added TTFT p50
 * read 0.525 / 0.561 ms against 0.466 / 0.462 ms, both orders (bench/README.md, round two's A/B).
 */
function admit(client: string, { config, active, rateLimiter }: ChatDeps): ChatError | undefined | Promise<ChatError | undefined> {
  const { maxStreams, maxStreamsPerClient } = config.limits;
  if (active.size >= maxStreams) return tooBusy();
  if (maxStreamsPerClient > 0 && active.countFor(client) >= maxStreamsPerClient) {
    return tooManyStreams(`You already have ${maxStreamsPerClient} answers streaming; wait for one to finish or stop it.`);
  }
  return rateLimiter.take(client);
}

const tooBusy = () => tooManyStreams("The server is answering as many chats as it is allowed to. Try again in a moment.");
