import { APIError, BadRequestError, RateLimitError } from "openai";
import type { ResponseCreateParamsStreaming } from "openai/resources/responses/responses";
import type { Config } from "../config.ts";
import type { ChatMessage } from "./chat-message.ts";
import { readAnswer } from "./read-answer.ts";
import { ResponsesReader } from "./responses-reader.ts";
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
 * request; its body is read by our byte-level parser, as for Chat Completions: the SDK's own iterator
 * over the same stream cost 10–12× the CPU per event (bench/relay-cpu.ts).
 */
export function streamResponses<Batch>(opts: UpstreamOptions<Batch>): AsyncGenerator<Batch, Finish> {
  const { client, config, signal } = opts;
  const key = `${config.baseURL ?? ""} ${config.model}`;
  const request = async (): Promise<Response> => {
    for (;;) {
      const skip = refused.get(key);
      try {
        return await client.responses.create(responsesRequest(config, opts.messages, skip), { signal, headers: opts.headers }).asResponse();
      } catch (err) {
        // A 400 naming a setting we may leave out: ask again without it (a model that cannot summarise
        // its reasoning still answers, showing no thinking).
        const param = err instanceof BadRequestError ? (OPTIONAL as readonly string[]).find((p) => p === err.param) : undefined;
        if (!param || skip?.has(param as Optional)) throw err;
        if (refused.size >= REMEMBERED_MODELS && !refused.has(key)) refused.clear();
        refused.set(key, new Set([...(skip ?? []), param as Optional]));
      }
    }
  };
  return readAnswer({ opts, reader: new ResponsesReader(opts.sink), request, streamError });
}

/**
 * A failure inside the stream (`response.failed`, an `error` event) as the SDK's error of its kind:
 * OpenAI's `rate_limit_exceeded` is a rate limit as a 429 is (`rate_limited`), anything else a failure
 * mid-answer (`upstream_error`). By the documented code, never by the message.
 */
function streamError(error: object, headers: Headers): APIError {
  if ((error as { code?: unknown }).code === "rate_limit_exceeded") return new RateLimitError(429, error, undefined, headers);
  return new APIError(undefined, error, undefined, headers);
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
    input: messages.map((m) => ({ role: m.role, content: inputContent(m.role, m.content as string | readonly PartLike[]) })),
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

/** A message part as the relay's conversation carries it (Chat Completions' shape: text or an image URL). */
type PartLike = { type: string; text?: string; image_url?: { url: string; detail?: "auto" | "low" | "high" } };
type InputPart = { type: "input_text"; text: string } | { type: "input_image"; image_url: string; detail: "auto" | "low" | "high" };

/**
 * Chat Completions content → Responses content: a string stays a string; parts become `input_text` and
 * `input_image`. An assistant's earlier answer goes as its text: OpenAI takes only `output_text` parts
 * from the assistant, and a plain string from every role.
 */
function inputContent(role: ChatMessage["role"], content: string | readonly PartLike[]): string | InputPart[] {
  if (typeof content === "string") return content;
  if (role === "assistant") return content.map((p) => (p.type === "text" ? (p.text ?? "") : "")).join("\n");
  const parts: InputPart[] = [];
  for (const p of content) {
    if (p.type === "text") parts.push({ type: "input_text", text: p.text ?? "" });
    else if (p.type === "image_url" && p.image_url) parts.push({ type: "input_image", image_url: p.image_url.url, detail: p.image_url.detail ?? "auto" });
  }
  return parts;
}
