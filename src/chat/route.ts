import type OpenAI from "openai";
import type { Server } from "bun";
import type { Config } from "../config.ts";
import { ChatError, errorResponse } from "../errors.ts";
import type { RateLimiter } from "../security/rate-limit.ts";
import type { ChatTrace } from "../telemetry/chat-trace.ts";
import type { Telemetry } from "../telemetry/start-telemetry.ts";
import type { ActiveStreams } from "./active-streams.ts";
import type { Heartbeat } from "./heartbeat.ts";
import { parseChatRequest } from "./request.ts";
import { DONE, SSE_HEADERS, encodeComment, encodeContent, encodeEvent } from "./sse.ts";
import { type ChatEvent, streamCompletion, toChatError } from "./upstream.ts";

export interface ChatDeps {
  config: Config;
  client: OpenAI;
  active: ActiveStreams;
  heartbeat: Heartbeat;
  rateLimiter: RateLimiter;
  /** Absent when tracing is off: then the request path makes no tracer calls. */
  telemetry?: Telemetry | undefined;
}

/** POST /api/chat: request → validate → provider stream → SSE encoder → response. */
export async function handleChat(req: Request, server: Server<unknown>, deps: ChatDeps): Promise<Response> {
  const { config, active } = deps;
  const trace = deps.telemetry?.startChat(req);
  let messages;
  try {
    ({ messages } = await parseChatRequest(req, config.limits));
  } catch (err) {
    return refuse(toChatError(err, config), trace);
  }
  if (!config.apiKey && !config.baseURL) return refuse(missingKey(), trace);
  const client = server.requestIP(req)?.address ?? "unknown";
  const refused = admit(client, deps);
  if (refused) return refuse(refused, trace);

  // The heartbeat keeps the socket alive, but a stalled model must never hit Bun's idle timeout.
  server.timeout(req, 0);
  const abort = new AbortController();
  // Either signal has failed to fire in some Bun releases (oven-sh/bun #4517, #6758): wire both.
  req.signal.addEventListener("abort", () => abort.abort(), { once: true });
  const model = trace?.modelCall({ messages, config });
  const events = streamCompletion({
    client: deps.client,
    config,
    messages,
    signal: abort.signal,
    headers: model?.headers,
    onFirstToken: model?.onFirstToken,
  });
  return new Response(sseBody({ events, abort, client, deps, trace }), { headers: SSE_HEADERS });
}

/** A JSON error answered at once; the request's span (if tracing) ends with it. */
function refuse(err: ChatError, trace: ChatTrace | undefined): Response {
  trace?.refuse(err);
  return errorResponse(err);
}

/** The limits a new stream must pass: total, per client address, and requests a minute. */
function admit(client: string, { config, active, rateLimiter }: ChatDeps): ChatError | undefined {
  const { maxStreams, maxStreamsPerClient } = config.limits;
  if (active.size >= maxStreams) return tooBusy();
  if (maxStreamsPerClient > 0 && active.countFor(client) >= maxStreamsPerClient) {
    return new ChatError({
      status: 429,
      type: "too_many_streams",
      message: `You already have ${maxStreamsPerClient} answers streaming; wait for one to finish or stop it.`,
      retryAfter: 1,
    });
  }
  return rateLimiter.take(client);
}

function sseBody(opts: {
  events: AsyncGenerator<ChatEvent>;
  abort: AbortController;
  client: string;
  deps: ChatDeps;
  trace: ChatTrace | undefined;
}) {
  const { events, abort, client, deps, trace } = opts;
  let closed = false;
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const beat = {
    lastWrite: performance.now(),
    ping: () => write(encodeComment("ping")),
  };
  const write = (bytes: Uint8Array) => {
    if (closed) return;
    beat.lastWrite = performance.now();
    controller.enqueue(bytes);
  };
  const finish = () => {
    if (closed) return;
    closed = true;
    deps.heartbeat.delete(beat);
    deps.active.delete(abort);
    try {
      controller.close();
    } catch {
      // already cancelled by the client
    }
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      deps.active.add(abort, client);
      deps.heartbeat.add(beat);
      // A first byte at once flushes the headers through proxies and starts the client's reader.
      write(encodeComment("ok"));
    },
    async pull() {
      try {
        const { value, done } = await events.next();
        if (done || closed) return finish();
        if (value.type === "delta") return write(encodeContent(value.content));
        write(encodeEvent({ event: "finish", data: JSON.stringify(finishBody(value)) }));
        write(DONE);
        trace?.finish(value);
        finish();
      } catch (err) {
        // A server-side abort (shutdown) carries its own ChatError; a client abort needs no answer.
        const reason = abort.signal.reason;
        const error = reason instanceof ChatError ? reason : toChatError(err, deps.config);
        if (error.type !== "aborted") write(encodeEvent({ event: "error", data: JSON.stringify(error.toJSON()) }));
        trace?.fail(error);
        finish();
      }
    },
    cancel() {
      trace?.abort();
      abort.abort();
      closed = true;
      deps.heartbeat.delete(beat);
      deps.active.delete(abort);
      void events.return(undefined).catch(() => {});
    },
  });
}

function finishBody(e: Extract<ChatEvent, { type: "finish" }>) {
  return { finish_reason: e.finishReason, model: e.model, usage: e.usage };
}

const missingKey = () =>
  new ChatError({
    status: 503,
    type: "configuration_error",
    message: "OPENAI_API_KEY is not set on the server. Set it (or OPENAI_BASE_URL for a local model server) and restart.",
  });

const tooBusy = () =>
  new ChatError({
    status: 429,
    type: "too_many_streams",
    message: "The server is answering as many chats as it is allowed to. Try again in a moment.",
    retryAfter: 1,
  });
