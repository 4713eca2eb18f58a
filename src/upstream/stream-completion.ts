import OpenAI, { APIError } from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { Config } from "../config.ts";
import type { AnswerSink } from "../wire/answer-sink.ts";
import type { ChatMessage } from "./chat-message.ts";
import type { Usage } from "./chunk.ts";
import { ChunkReader } from "./chunk-reader.ts";
import { readAnswer } from "./read-answer.ts";

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
export function streamCompletion<Batch>(opts: UpstreamOptions<Batch>): AsyncGenerator<Batch, Finish> {
  const { client, config, signal } = opts;
  const messages = config.systemPrompt
    ? [{ role: "system" as const, content: config.systemPrompt }, ...opts.messages]
    : opts.messages;
  const request = () =>
    client.chat.completions
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
  // An error event inside the stream is thrown as the SDK itself would (and mapped by class).
  const streamError = (error: object, headers: Headers) => new APIError(undefined, error, undefined, headers);
  return readAnswer({ opts, reader: new ChunkReader(opts.sink), request, streamError });
}
