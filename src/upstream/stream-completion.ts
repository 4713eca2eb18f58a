import OpenAI, { APIError } from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { Config } from "../config.ts";
import { ChatError, aborted } from "../errors.ts";
import type { AnswerSink } from "../wire/answer-sink.ts";
import { type ChatMessage, imageStats } from "./chat-message.ts";
import type { Usage } from "./chunk.ts";
import { ChunkReader } from "./chunk-reader.ts";
import { connectionLost, notJson, toChatError, unfinished } from "./error-mapping.ts";
import { readUpstreamEvents } from "./sse-parser.ts";

/** How one model call ended, as the finish event and the trace report it. */
export interface Finish {
  finishReason: string;
  model: string | undefined;
  id: string | undefined;
  usage: Usage | undefined;
  /** First reasoning token to first content token (or to the end, when no content came). */
  reasoningMs: number | undefined;
  /** The answer is the model's refusal. */
  refusal: boolean;
}

export interface UpstreamOptions<Batch> {
  client: OpenAI;
  config: Config;
  messages: ChatMessage[];
  signal: AbortSignal;
  /** Where the answer's content and reasoning go, a batch per network read. */
  sink: AnswerSink<Batch>;
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
 * Streams one chat completion: yields what the sink made of each network read (one await per read,
 * not per token), and returns how the answer finished. Every failure leaves as a thrown ChatError.
 */
export async function* streamCompletion<Batch>(opts: UpstreamOptions<Batch>): AsyncGenerator<Batch, Finish> {
  const { client, config, signal } = opts;
  const messages = config.systemPrompt
    ? [{ role: "system" as const, content: config.systemPrompt }, ...opts.messages]
    : opts.messages;

  const reader = new ChunkReader(opts.sink);
  let sawToken = false;
  let sawContent = false;
  let sawReasoning = false;
  let reading = false;
  try {
    const response = await client.chat.completions
      .create(
        {
          model: config.model,
          // The request check let images only into user messages, as the SDK's union types them.
          messages: messages as ChatCompletionMessageParam[],
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
    for await (const batch of readUpstreamEvents(response.body!, reader)) {
      if (batch) {
        sawToken = true;
        if (!sawReasoning && reader.firstReasoningAt !== undefined) {
          sawReasoning = true;
          opts.onFirstReasoning?.();
        }
        if (!sawContent && reader.firstContentAt !== undefined) {
          sawContent = true;
          opts.onFirstToken?.();
        }
        yield batch;
      }
      // Thrown as the SDK itself would (and mapped below by class).
      const failure = reader.failure;
      if (failure) throw "notJson" in failure ? notJson() : new APIError(undefined, failure.error, undefined, response.headers);
      if (reader.done) break;
    }
  } catch (err) {
    if (signal.aborted && !(err instanceof ChatError)) throw aborted();
    if (reading && !(err instanceof ChatError || err instanceof APIError)) throw connectionLost();
    throw toChatError(err, config, imageStats(opts.messages).count);
  }
  if (signal.aborted) throw aborted();
  // A 200 that ends without a finish_reason was cut somewhere upstream: the user must know.
  const { finishReason, model, id, usage, refusal, firstReasoningAt, firstContentAt } = reader;
  if (finishReason === undefined) throw unfinished(sawToken);
  const reasoningMs = firstReasoningAt === undefined ? undefined : Math.round((firstContentAt ?? performance.now()) - firstReasoningAt);
  return { finishReason, model, id, usage, reasoningMs, refusal };
}
