import { APIError, BadRequestError } from "openai";
import type { ResponseCreateParamsStreaming } from "openai/resources/responses/responses";
import type { Config } from "../config.ts";
import { ChatError, aborted } from "../errors.ts";
import type { ChatMessage } from "./chat-message.ts";
import { connectionLost, notJson, toChatError, unfinished } from "./error-mapping.ts";
import { ResponsesReader } from "./responses-reader.ts";
import { readUpstreamEvents } from "./sse-parser.ts";
import type { Finish, UpstreamOptions } from "./stream-completion.ts";

/** Settings a model may refuse with a 400 naming them; the answer is worth more than the setting. */
const OPTIONAL = ["temperature", "reasoning.summary", "reasoning.effort"] as const;
type Optional = (typeof OPTIONAL)[number];

/**
 * What each upstream model refused, so only its first request pays the extra round trip: OpenAI's
 * reasoning models refuse `temperature`, its older models `reasoning.*`, and an organisation not
 * verified for summaries `reasoning.summary`. Bounded: a server offering endless model names must not
 * grow it without end.
 */
const refused = new Map<string, Set<Optional>>();
const REMEMBERED_MODELS = 256;

/**
 * Streams one answer through the Responses API (`POST /v1/responses`): the same contract as
 * `streamCompletion` (a batch per network read, then how it finished; every failure a thrown
 * ChatError), so the rest of the relay cannot tell the protocols apart. The SDK builds and retries the
 * request; its body is read by our byte-level parser, as for Chat Completions (the SDK's iterator cost
 * 1.6× the CPU per event, bench/relay-cpu.ts).
 */
export async function* streamResponses<Batch>(opts: UpstreamOptions<Batch>): AsyncGenerator<Batch, Finish> {
  const { client, config, signal } = opts;
  const key = `${config.baseURL ?? ""} ${config.model}`;
  const reader = new ResponsesReader(opts.sink);
  let sawToken = false;
  let sawContent = false;
  let sawReasoning = false;
  let reading = false;
  try {
    let response: Response;
    for (;;) {
      const skip = refused.get(key);
      try {
        response = await client.responses
          .create(responsesRequest(config, opts.messages, skip), { signal, headers: opts.headers })
          .asResponse();
        break;
      } catch (err) {
        // A 400 naming a setting we may leave out: ask again without it (a model that cannot summarise
        // its reasoning still answers, showing no thinking).
        const param = err instanceof BadRequestError ? (OPTIONAL as readonly string[]).find((p) => p === err.param) : undefined;
        if (!param || skip?.has(param as Optional)) throw err;
        if (refused.size >= REMEMBERED_MODELS && !refused.has(key)) refused.clear();
        refused.set(key, new Set([...(skip ?? []), param as Optional]));
      }
    }
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
      const failure = reader.failure;
      if (failure) throw "notJson" in failure ? notJson() : new APIError(undefined, failure.error, undefined, response.headers);
      if (reader.done) break;
    }
  } catch (err) {
    if (signal.aborted && !(err instanceof ChatError)) throw aborted();
    if (reading && !(err instanceof ChatError || err instanceof APIError)) throw connectionLost();
    throw toChatError(err, config);
  }
  if (signal.aborted) throw aborted();
  // No `response.completed` (or `.incomplete`): cut somewhere upstream, never an empty success.
  const { finishReason, model, id, usage, refusal, firstReasoningAt, firstContentAt } = reader;
  if (finishReason === undefined) throw unfinished(sawToken);
  const reasoningMs = firstReasoningAt === undefined ? undefined : Math.round((firstContentAt ?? performance.now()) - firstReasoningAt);
  return { finishReason, model, id, usage, reasoningMs, refusal };
}

/**
 * The Responses request for a conversation: messages as `input` items, the system prompt as
 * `instructions`, `store: false` (we keep the history; nothing stays on the provider's side), and
 * reasoning summaries asked for. `skip`: settings this model refused before.
 */
export function responsesRequest(config: Config, messages: ChatMessage[], skip?: ReadonlySet<Optional>): ResponseCreateParamsStreaming {
  const effort = config.reasoningEffort !== undefined && !skip?.has("reasoning.effort");
  const summary = !skip?.has("reasoning.summary");
  return {
    model: config.model,
    input: messages.map((m) => ({ role: m.role, content: m.content })),
    stream: true,
    store: false,
    ...(config.systemPrompt && { instructions: config.systemPrompt }),
    ...(config.temperature !== undefined && !skip?.has("temperature") && { temperature: config.temperature }),
    ...(config.maxTokens !== undefined && { max_output_tokens: config.maxTokens }),
    ...((effort || summary) && {
      reasoning: { ...(effort && { effort: config.reasoningEffort }), ...(summary && { summary: "auto" as const }) },
    }),
  };
}
