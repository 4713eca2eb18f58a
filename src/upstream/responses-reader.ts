import type { AnswerSink } from "../wire/answer-sink.ts";
import type { Usage } from "./chunk.ts";
import type { AnswerReader } from "./read-answer.ts";

const DONE = Buffer.from("[DONE]");
const TEXT_DELTA = "response.output_text.delta";
const TEXT_DELTA_TYPE = Buffer.from(`"type":"${TEXT_DELTA}"`);
const SUMMARY_DELTA = "response.reasoning_summary_text.delta";
const SUMMARY_DELTA_TYPE = Buffer.from(`"type":"${SUMMARY_DELTA}"`);
const DELTA_KEY = Buffer.from('"delta":"');
const ITEM_ID_KEY = Buffer.from('"item_id":"');
const SUMMARY_INDEX_KEY = Buffer.from('"summary_index":');
const SLASH = Buffer.from("/");
const QUOTE = 34;
const BACKSLASH = 92;
const COMMA = 44;
const CLOSE_BRACE = 125;
const ZERO = 48;
const NINE = 57;

/**
 * The fields of a Responses API stream event the relay reads (openai-node's `ResponseStreamEvent`):
 * text deltas carry `delta`; `response.*` lifecycle events carry the whole `response`; an `error`
 * event carries `message`/`code`/`param` at its top level (some gateways nest them under `error`).
 */
interface StreamEvent {
  type?: string;
  delta?: unknown;
  item_id?: string;
  summary_index?: number;
  content_index?: number;
  response?: ResponseObject | null;
  message?: unknown;
  code?: unknown;
  error?: unknown;
}

interface ResponseObject {
  id?: string;
  model?: string;
  status?: string;
  incomplete_details?: { reason?: string } | null;
  error?: { code?: string; message?: string } | null;
  usage?: ResponsesUsage | null;
}

interface ResponsesUsage {
  input_tokens?: number;
  output_tokens?: number;
  total_tokens?: number;
  input_tokens_details?: { cached_tokens?: number } | null;
  output_tokens_details?: { reasoning_tokens?: number } | null;
}

/** `incomplete_details.reason` → the Chat Completions finish reason the page already knows. */
const INCOMPLETE: Record<string, string> = { max_output_tokens: "length", content_filter: "content_filter" };

/**
 * A Responses API event stream → this answer's content and reasoning, given to `sink` in order (a
 * batch per network read), and what the finish needs: the same contract as `ChunkReader`, for
 * `POST /v1/responses`. Output text is the answer; reasoning summaries (OpenAI's own models, Ollama's
 * thinking) and raw reasoning text (gpt-oss on vLLM) are its reasoning, each new summary part set off
 * by a blank line as OpenAI's summaries are paragraphs; a refusal is relayed as the answer's text.
 * The event's `type` decides, not the SSE `event:` line (which some servers leave out). Everything
 * else (item and part bookkeeping, `.done` events repeating the text, tool events) is skipped.
 */
export class ResponsesReader<Batch> implements AnswerReader<Batch> {
  readonly #sink: AnswerSink<Batch>;
  /** The summary part (or reasoning content part) the last reasoning delta belonged to. */
  #reasoningPart: string | undefined;
  /** Where `#literal` found the delta's closing quote. */
  #close = 0;
  /** The last summary part the fast path named, and the bytes it was read from (`item_id` `/` `summary_index`). */
  readonly #lastPart: { name: string | undefined; bytes: Buffer } = { name: undefined, bytes: Buffer.alloc(0) };
  model: string | undefined;
  id: string | undefined;
  usage: Usage | undefined;
  finishReason: string | undefined;
  refusal = false;
  firstContentAt: number | undefined;
  firstReasoningAt: number | undefined;
  /** A terminal event (`response.completed`/`.incomplete`) or `[DONE]` arrived. */
  done = false;
  /** `response.failed`, an `error` event, or an event that is not JSON: thrown once the frames before it are out. */
  failure: { error: object } | { notJson: true } | undefined;

  constructor(sink: AnswerSink<Batch>) {
    this.#sink = sink;
  }

  event(name: string | undefined, data: Buffer, start: number, end: number): void {
    if (this.done || this.failure) return;
    // No [DONE] in OpenAI's Responses streams, but gateways that copy Chat Completions framing add one.
    if (end - start === DONE.length && data.compare(DONE, 0, DONE.length, start, end) === 0) {
      this.done = true;
      return;
    }
    if (name === TEXT_DELTA && this.#copied(data, start, end)) return;
    if (name === SUMMARY_DELTA && this.#copiedSummary(data, start, end)) return;
    const e = parseEvent(data.toString("utf8", start, end));
    if (!e) return void (this.failure = { notJson: true });
    switch (e.type ?? name) {
      case "response.output_text.delta":
        return this.#content(e.delta);
      case "response.reasoning_summary_text.delta":
        return this.#reasoning(e.delta, `${e.item_id}/s${e.summary_index ?? 0}`);
      case "response.reasoning_text.delta":
        return this.#reasoning(e.delta, `${e.item_id}/c${e.content_index ?? 0}`);
      case "response.refusal.delta":
        if (typeof e.delta === "string" && e.delta !== "") this.refusal = true;
        return this.#content(e.delta);
      case "response.created":
      case "response.in_progress":
      case "response.queued":
        return this.#named(e.response);
      case "response.completed":
      case "response.incomplete":
        return this.#finish(e.response);
      case "response.failed":
        this.#named(e.response);
        return void (this.failure = { error: e.response?.error ?? { message: "The response failed." } });
      case "error":
        return void (this.failure = { error: typeof e.error === "object" && e.error !== null ? e.error : e });
      default:
        // An OpenAI-style error object in place of an event (some proxies do this mid-stream).
        if (e.type === undefined && typeof e.error === "object" && e.error !== null) this.failure = { error: e.error };
    }
  }

  /**
   * The fast path for the answer's text (most events): the delta's JSON string copied into its frame
   * as the upstream wrote it, no JSON.parse (a full parse per event made the Responses path 2.3x the
   * Chat path's CPU per event, bench/relay-cpu.ts). Sound because inside a JSON string every `"` is
   * escaped: `"type":"response.output_text.delta"` and `"delta":"` can only match the event's own keys.
   * A literal with any backslash or control character takes the exact parse instead.
   */
  #copied(data: Buffer, start: number, end: number): boolean {
    const open = this.#literal(data, start, end, TEXT_DELTA_TYPE);
    if (open === -1) return false;
    if (this.#close - open > 1) {
      this.#sink.contentLiteral(data, open, this.#close + 1);
      this.firstContentAt ??= performance.now();
    }
    return true;
  }

  /**
   * The same for a reasoning summary's delta while it continues the part before it (the part is
   * `item_id` and `summary_index`, read as bytes); the first delta of a new part (which gets the blank
   * line) and any event with an odd shape take the exact parse.
   */
  #copiedSummary(data: Buffer, start: number, end: number): boolean {
    const open = this.#literal(data, start, end, SUMMARY_DELTA_TYPE);
    if (open === -1) return false;
    if (this.#close - open <= 1) return true;
    const part = summaryPart(data, start, end, this.#lastPart);
    if (part === undefined || part !== this.#reasoningPart) return false;
    this.#sink.reasoningLiteral(data, open, this.#close + 1);
    this.firstReasoningAt ??= performance.now();
    return true;
  }

  /**
   * Where the event's `"delta":"…"` string literal opens, when the event is of this `type` and the
   * literal has no backslash or control character (its closing quote then in `#close`); else -1.
   */
  #literal(data: Buffer, start: number, end: number, type: Buffer): number {
    const at = data.indexOf(type, start);
    if (at === -1 || at >= end) return -1;
    const key = data.indexOf(DELTA_KEY, start);
    if (key === -1 || key >= end) return -1;
    const open = key + DELTA_KEY.length - 1;
    let close = open + 1;
    for (; close < end; close++) {
      const byte = data[close]!;
      if (byte === QUOTE) break;
      if (byte === BACKSLASH || byte < 0x20) return -1;
    }
    if (close >= end) return -1;
    this.#close = close;
    return open;
  }

  endOfRead(): Batch | undefined {
    return this.#sink.take();
  }

  #content(delta: unknown): void {
    if (typeof delta !== "string" || delta === "") return;
    this.#sink.content(delta);
    this.firstContentAt ??= performance.now();
  }

  #reasoning(delta: unknown, part: string): void {
    if (typeof delta !== "string" || delta === "") return;
    const next = this.#reasoningPart !== undefined && this.#reasoningPart !== part;
    this.#reasoningPart = part;
    this.#sink.reasoning(next ? `\n\n${delta}` : delta);
    this.firstReasoningAt ??= performance.now();
  }

  #named(response: ResponseObject | null | undefined): void {
    if (!response) return;
    if (response.model) this.model ??= response.model;
    if (response.id) this.id ??= response.id;
  }

  #finish(response: ResponseObject | null | undefined): void {
    this.#named(response);
    this.done = true;
    if (!response) return;
    this.usage = usageOf(response.usage);
    if (response.status === "incomplete") {
      const reason = response.incomplete_details?.reason;
      this.finishReason = (reason && INCOMPLETE[reason]) ?? reason ?? "length";
    } else {
      this.finishReason = "stop";
    }
  }
}

/** Responses usage → the Chat Completions shape the finish event and the trace already carry. */
export function usageOf(u: ResponsesUsage | null | undefined): Usage | undefined {
  if (!u || typeof u.input_tokens !== "number" || typeof u.output_tokens !== "number") return undefined;
  const usage: Usage & { prompt_tokens_details?: { cached_tokens: number } } = {
    prompt_tokens: u.input_tokens,
    completion_tokens: u.output_tokens,
    total_tokens: u.total_tokens ?? u.input_tokens + u.output_tokens,
  };
  const reasoning = u.output_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number") usage.completion_tokens_details = { reasoning_tokens: reasoning };
  const cached = u.input_tokens_details?.cached_tokens;
  if (typeof cached === "number") usage.prompt_tokens_details = { cached_tokens: cached };
  return usage;
}

/**
 * A summary delta's part as `#reasoning` names it (`${item_id}/s${summary_index}`), read from the bytes;
 * undefined unless both are there plainly (an id without escapes, an index of digits alone). The
 * name is made only when the bytes differ from the last event's (once per part, not per delta).
 */
function summaryPart(data: Buffer, start: number, end: number, last: { name: string | undefined; bytes: Buffer }): string | undefined {
  const item = data.indexOf(ITEM_ID_KEY, start);
  if (item === -1 || item >= end) return undefined;
  const idStart = item + ITEM_ID_KEY.length;
  let idEnd = idStart;
  for (; idEnd < end; idEnd++) {
    const byte = data[idEnd]!;
    if (byte === QUOTE) break;
    if (byte === BACKSLASH || byte < 0x20) return undefined;
  }
  const index = data.indexOf(SUMMARY_INDEX_KEY, start);
  if (idEnd >= end || index === -1 || index >= end) return undefined;
  const digits = index + SUMMARY_INDEX_KEY.length;
  let after = digits;
  while (after < end && data[after]! >= ZERO && data[after]! <= NINE) after++;
  // `1` alone, not `1.5`, `1e2`, `01` or ` 1`: those take the exact parse.
  if (after === digits || after >= end || (data[after] !== COMMA && data[after] !== CLOSE_BRACE)) return undefined;
  if (after - digits > 1 && data[digits] === ZERO) return undefined;
  if (last.name !== undefined && sameBytes(last.bytes, data, idStart, idEnd, digits, after)) return last.name;
  last.bytes = Buffer.concat([data.subarray(idStart, idEnd), SLASH, data.subarray(digits, after)]);
  last.name = `${data.toString("utf8", idStart, idEnd)}/s${data.toString("latin1", digits, after)}`;
  return last.name;
}

/** Whether `bytes` is `data[idStart, idEnd)`, a `/`, then `data[digits, after)`: a loop, as ids are a few bytes. */
function sameBytes(bytes: Buffer, data: Buffer, idStart: number, idEnd: number, digits: number, after: number): boolean {
  if (bytes.length !== idEnd - idStart + 1 + (after - digits)) return false;
  let i = 0;
  for (let j = idStart; j < idEnd; j++) if (bytes[i++] !== data[j]) return false;
  i++;
  for (let j = digits; j < after; j++) if (bytes[i++] !== data[j]) return false;
  return true;
}

function parseEvent(data: string): StreamEvent | undefined {
  try {
    const e: unknown = JSON.parse(data);
    return typeof e === "object" && e !== null && !Array.isArray(e) ? (e as StreamEvent) : undefined;
  } catch {
    return undefined;
  }
}
