import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "openai";
import type { Config } from "../config.ts";
import { ChatError, redact } from "../errors.ts";
import type { ChatMessage } from "./request.ts";
import { ChunkRelay } from "./chunk-relay.ts";
import type { FrameBurst } from "./delta-frames.ts";
import type { Usage } from "./openai-chunk.ts";
import { readUpstreamEvents } from "./sse-data.ts";

/** How one model call ended, as the finish event and the trace report it. */
export interface Finish {
  type: "finish";
  finishReason: string;
  model: string | undefined;
  id: string | undefined;
  usage: Usage | undefined;
  /** First reasoning token to first content token (or to the end, when no content came). */
  reasoningMs: number | undefined;
  /** The answer is the model's refusal. */
  refusal: boolean;
}

/**
 * What one model call yields, in order: the answer's frames (content and reasoning), a burst per
 * network read, numbered 1, 2, 3… (`id:` lines included, ready for the wire), then exactly one finish,
 * which the caller numbers after the last frame. Failures are thrown ChatErrors.
 */
export type ChatEvent = FrameBurst | Finish;

export interface UpstreamOptions {
  client: OpenAI;
  config: Config;
  messages: ChatMessage[];
  signal: AbortSignal;
  /** Called once, when the first content token arrives (time-to-first-token). */
  onFirstToken?: (() => void) | undefined;
  /** Called once, when the first reasoning token arrives. */
  onFirstReasoning?: (() => void) | undefined;
  /** Extra request headers: the trace's `traceparent`, so a traced upstream joins the same trace. */
  headers?: Record<string, string> | undefined;
}

/** One SDK client per process: it keeps the connection pool warm across requests. */
export function createClient(config: Config): OpenAI {
  return new OpenAI({
    // The SDK throws without a key; a keyless local server (Ollama) accepts any placeholder.
    apiKey: config.apiKey ?? "unset",
    baseURL: config.baseURL ?? null,
    timeout: config.upstreamTimeoutMs,
    maxRetries: config.upstreamRetries,
  });
}

/**
 * Streams one chat completion as ChatEvents, a burst per network read (one await per read, not per
 * token); every SDK error leaves as a ChatError.
 */
export async function* streamCompletion(opts: UpstreamOptions): AsyncGenerator<ChatEvent> {
  const { client, config, signal } = opts;
  const messages = config.systemPrompt
    ? [{ role: "system" as const, content: config.systemPrompt }, ...opts.messages]
    : opts.messages;

  const relay = new ChunkRelay();
  let sawToken = false;
  let sawContent = false;
  let sawReasoning = false;
  let reading = false;
  try {
    const response = await client.chat.completions
      .create(
        {
          model: config.model,
          messages,
          stream: true,
          // Ask for the trailing usage chunk: token counts for the UI and for traces.
          stream_options: { include_usage: true },
          ...(config.temperature !== undefined && { temperature: config.temperature }),
          ...(config.maxTokens !== undefined && { max_tokens: config.maxTokens }),
          ...(config.reasoningEffort !== undefined && { reasoning_effort: config.reasoningEffort }),
        },
        { signal, headers: opts.headers },
      )
      .asResponse();
    reading = true;
    for await (const frames of readUpstreamEvents(response.body!, relay)) {
      if (frames) {
        sawToken = true;
        if (!sawReasoning && relay.firstReasoningAt !== undefined) {
          sawReasoning = true;
          opts.onFirstReasoning?.();
        }
        if (!sawContent && relay.firstContentAt !== undefined) {
          sawContent = true;
          opts.onFirstToken?.();
        }
        yield frames;
      }
      // Thrown as the SDK itself would (and mapped below by class).
      const failure = relay.failure;
      if (failure) throw "notJson" in failure ? notJson() : new APIError(undefined, failure.error, undefined, response.headers);
      if (relay.done) break;
    }
  } catch (err) {
    if (signal.aborted && !(err instanceof ChatError)) throw toChatError(new APIUserAbortError(), config);
    if (reading && !(err instanceof ChatError || err instanceof APIError)) throw connectionLost();
    throw toChatError(err, config);
  }
  if (signal.aborted) throw toChatError(new APIUserAbortError(), config);
  // A 200 that ends without a finish_reason was cut somewhere upstream: the user must know.
  const { finishReason, model, id, usage, refusal, firstReasoningAt, firstContentAt } = relay;
  if (finishReason === undefined) {
    throw new ChatError({
      status: 502,
      type: sawToken ? "upstream_incomplete" : "upstream_empty",
      message: sawToken
        ? "The model's answer was cut off: the upstream closed the stream before finishing."
        : "The upstream answered with an empty stream (no tokens and no finish).",
    });
  }
  const reasoningMs = firstReasoningAt === undefined ? undefined : Math.round((firstContentAt ?? performance.now()) - firstReasoningAt);
  yield { type: "finish", finishReason, model, id, usage, reasoningMs, refusal };
}

/** The one place SDK errors become our errors, by class, never by parsing messages. */
export function toChatError(err: unknown, config: Pick<Config, "apiKey" | "model" | "baseURL">): ChatError {
  if (err instanceof ChatError) return err;
  const detail = (e: APIError) => redact(upstreamMessage(e), config.apiKey);
  if (err instanceof APIUserAbortError) {
    return new ChatError({ status: 499, type: "aborted", message: "The answer was stopped." });
  }
  if (err instanceof APIConnectionTimeoutError) {
    return new ChatError({ status: 504, type: "upstream_timeout", message: "The model did not start answering in time. Try again." });
  }
  if (err instanceof APIConnectionError) {
    const where = config.baseURL ? new URL(config.baseURL).host : "the OpenAI API";
    return new ChatError({ status: 502, type: "upstream_unreachable", message: `Could not reach ${where}. Check the network or OPENAI_BASE_URL.` });
  }
  if (err instanceof AuthenticationError) {
    return new ChatError({ status: 401, type: "upstream_auth_error", message: `The upstream rejected the API key (401). Check OPENAI_API_KEY. ${detail(err)}`.trim() });
  }
  if (err instanceof PermissionDeniedError) {
    return new ChatError({ status: 403, type: "upstream_permission_error", message: `The API key may not use this model (403). ${detail(err)}`.trim() });
  }
  if (err instanceof NotFoundError) {
    return new ChatError({ status: 404, type: "model_not_found", message: `The model "${config.model}" was not found upstream (404). Check OPENAI_MODEL. ${detail(err)}`.trim() });
  }
  if (err instanceof RateLimitError) {
    const retryAfter = retryAfterSeconds(err.headers);
    const wait = retryAfter !== undefined ? ` Try again in ${retryAfter} s.` : " Try again shortly.";
    return new ChatError({ status: 429, type: "rate_limited", message: `The model is rate-limited (429).${wait} ${detail(err)}`.trim(), retryAfter });
  }
  if (err instanceof APIError) {
    // A status means an HTTP error response; none means an error event inside a 200 stream.
    const status = typeof err.status === "number" ? err.status : 502;
    const what = typeof err.status === "number" ? `The upstream failed (${err.status}).` : "The upstream failed mid-answer.";
    return new ChatError({ status: status >= 500 || status < 400 ? 502 : status, type: "upstream_error", message: `${what} ${detail(err)}`.trim() });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ChatError({ status: 500, type: "internal_error", message: `Unexpected error while streaming: ${redact(message, config.apiKey)}` });
}

const notJson = () => new ChatError({ status: 502, type: "upstream_error", message: "The upstream sent a chunk that is not JSON." });

const connectionLost = () =>
  new ChatError({ status: 502, type: "upstream_error", message: "The connection to the upstream broke mid-answer." });

function upstreamMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : "";
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (ms > 0) return Math.ceil(ms / 1000);
  const s = headers?.get("retry-after");
  if (!s) return undefined;
  const n = Number(s);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
