import { type Attributes, type Context, type Span, SpanKind, SpanStatusCode, type Tracer, defaultTextMapSetter, trace } from "@opentelemetry/api";
import type { W3CTraceContextPropagator } from "@opentelemetry/core";
import { type ChatMessage, imageStats } from "../upstream/chat-message.ts";
import type { Finish } from "../upstream/stream-completion.ts";
import type { Config } from "../config.ts";
import type { ChatError } from "../errors.ts";
import * as A from "./attributes.ts";

/** What the upstream call needs from the trace: the client span's `traceparent`, and first-token hooks. */
export interface ModelCall {
  headers: Record<string, string>;
  onFirstToken: () => void;
  onFirstReasoning: () => void;
}

/**
 * The spans of one POST /api/chat: a SERVER span for the request and a CLIENT span for the model
 * call, parented explicitly (no context manager). The first outcome wins; later calls are no-ops,
 * so the stream may report finish, failure and cancel in any order.
 */
export class ChatTrace {
  readonly #tracer: Tracer;
  readonly #propagator: W3CTraceContextPropagator;
  readonly #captureContent: boolean;
  readonly #server: Span;
  readonly #context: Context;
  #model: Span | undefined;
  #modelStart = 0;
  #ended = false;

  constructor(opts: { tracer: Tracer; propagator: W3CTraceContextPropagator; captureContent: boolean; parent: Context; req: Request }) {
    const { req } = opts;
    this.#tracer = opts.tracer;
    this.#propagator = opts.propagator;
    this.#captureContent = opts.captureContent;
    const url = new URL(req.url);
    const scheme = url.protocol.slice(0, -1);
    const attributes: Attributes = {
      [A.HTTP_REQUEST_METHOD]: req.method,
      [A.HTTP_ROUTE]: "/api/chat",
      [A.URL_PATH]: url.pathname,
      [A.URL_SCHEME]: scheme,
      [A.SERVER_ADDRESS]: url.hostname,
      [A.SERVER_PORT]: Number(url.port) || (scheme === "https" ? 443 : 80),
    };
    const agent = req.headers.get("user-agent");
    if (agent) attributes[A.USER_AGENT_ORIGINAL] = agent;
    this.#server = opts.tracer.startSpan(`${req.method} /api/chat`, { kind: SpanKind.SERVER, attributes }, opts.parent);
    this.#context = trace.setSpan(opts.parent, this.#server);
  }

  /** Starts the CLIENT span `chat {model}` just before the upstream request. */
  modelCall(opts: { messages: ChatMessage[]; config: Config }): ModelCall {
    const { messages, config } = opts;
    this.#server.setAttribute(A.CHAT_MESSAGE_COUNT, messages.length);
    // How many images and how large, never their data (not even with content capture on).
    const images = imageStats(messages);
    if (images.count > 0) {
      this.#server.setAttribute(A.CHAT_IMAGE_COUNT, images.count);
      this.#server.setAttribute(A.CHAT_IMAGE_BYTES, images.bytes);
    }
    const upstream = new URL(config.baseURL ?? "https://api.openai.com/v1");
    const attributes: Attributes = {
      // The OpenAI conventions name a Responses call `chat` too, told apart by openai.api.type.
      [A.GEN_AI_OPERATION_NAME]: "chat",
      [A.OPENAI_API_TYPE]: config.upstreamApi === "responses" ? "responses" : "chat_completions",
      // The wire protocol and SDK are OpenAI's; server.address tells which server actually answered.
      [A.GEN_AI_PROVIDER_NAME]: "openai",
      [A.GEN_AI_REQUEST_MODEL]: config.model,
      [A.SERVER_ADDRESS]: upstream.hostname,
      [A.SERVER_PORT]: Number(upstream.port) || (upstream.protocol === "https:" ? 443 : 80),
    };
    if (config.temperature !== undefined) attributes[A.GEN_AI_REQUEST_TEMPERATURE] = config.temperature;
    if (config.maxTokens !== undefined) attributes[A.GEN_AI_REQUEST_MAX_TOKENS] = config.maxTokens;
    if (config.reasoningEffort !== undefined) attributes[A.CHAT_REASONING_EFFORT] = config.reasoningEffort;
    if (this.#captureContent) {
      const parts = (content: ChatMessage["content"]) =>
        typeof content === "string"
          ? [{ type: "text", content }]
          : content.map((p) => (p.type === "text" ? { type: "text", content: p.text } : { type: "image", size: imageStats([{ role: "user", content: [p] }]).bytes }));
      attributes[A.GEN_AI_INPUT_MESSAGES] = JSON.stringify(messages.map((m) => ({ role: m.role, parts: parts(m.content) })));
      if (config.systemPrompt) attributes[A.GEN_AI_SYSTEM_INSTRUCTIONS] = JSON.stringify(parts(config.systemPrompt));
    }
    const model = this.#tracer.startSpan(`chat ${config.model}`, { kind: SpanKind.CLIENT, attributes }, this.#context);
    this.#model = model;
    this.#modelStart = performance.now();
    const headers: Record<string, string> = {};
    this.#propagator.inject(trace.setSpan(this.#context, model), headers, defaultTextMapSetter);
    return {
      headers,
      onFirstToken: () => {
        model.setAttribute(A.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, (performance.now() - this.#modelStart) / 1000);
        model.addEvent(A.EVENT_FIRST_TOKEN);
      },
      // Only the timing: reasoning text, like every message, is recorded only with content capture on.
      onFirstReasoning: () => {
        model.setAttribute(A.CHAT_TIME_TO_FIRST_REASONING, (performance.now() - this.#modelStart) / 1000);
        model.addEvent(A.EVENT_FIRST_REASONING);
      },
    };
  }

  /** The model finished: response attributes on the CLIENT span, then both spans end. */
  finish(e: Finish): void {
    if (this.#ended) return;
    const model = this.#model;
    if (model) {
      if (e.model) model.setAttribute(A.GEN_AI_RESPONSE_MODEL, e.model);
      if (e.id) model.setAttribute(A.GEN_AI_RESPONSE_ID, e.id);
      model.setAttribute(A.GEN_AI_RESPONSE_FINISH_REASONS, [e.finishReason]);
      if (e.usage) {
        model.setAttribute(A.GEN_AI_USAGE_INPUT_TOKENS, e.usage.prompt_tokens);
        model.setAttribute(A.GEN_AI_USAGE_OUTPUT_TOKENS, e.usage.completion_tokens);
        const reasoning = e.usage.completion_tokens_details?.reasoning_tokens;
        if (typeof reasoning === "number") model.setAttribute(A.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, reasoning);
      }
      if (e.reasoningMs !== undefined) model.setAttribute(A.CHAT_REASONING_MS, e.reasoningMs);
    }
    this.#end(200);
  }

  /**
   * The stream ended with an error event. The HTTP status was already 200, but the user saw a
   * failure, so both spans are marked as errors with our stable error type. A client abort is not one.
   */
  fail(err: ChatError): void {
    if (err.clientGone) return this.abort();
    if (this.#ended) return;
    for (const span of [this.#model, this.#server]) {
      span?.setAttribute(A.ERROR_TYPE, err.type);
      span?.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    }
    this.#end(200);
  }

  /** The client went away (disconnect or Stop): marked, but left with status unset. */
  abort(): void {
    if (this.#ended) return;
    this.#model?.addEvent(A.EVENT_CLIENT_ABORT);
    this.#model?.setAttribute(A.CHAT_ABORTED, true);
    this.#server.setAttribute(A.CHAT_ABORTED, true);
    this.#end(200);
  }

  /** Answered at once with a JSON error (bad request, limits, missing key): only the SERVER span. */
  refuse(err: ChatError): void {
    if (this.#ended) return;
    this.#server.setAttribute(A.ERROR_TYPE, err.type);
    // HTTP conventions: a 4xx is the client's fault and leaves a server span's status unset.
    if (err.status >= 500) this.#server.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
    this.#end(err.status);
  }

  #end(status: number): void {
    this.#ended = true;
    this.#model?.end();
    this.#server.setAttribute(A.HTTP_RESPONSE_STATUS_CODE, status);
    this.#server.end();
  }
}
