import type { AnswerSink } from "../wire/answer-sink.ts";
import { type Chunk, type ContentPart, type Delta, type Usage, parseChunk } from "./chunk.ts";
import { PlainDeltaFinder } from "./plain-delta-finder.ts";
import type { AnswerReader } from "./read-answer.ts";
import { type AnswerText, ThinkTags } from "./think-tags.ts";

const DONE = Buffer.from("[DONE]");

/**
 * The upstream's events → this answer's content and reasoning, given to `sink` in order (a batch per
 * network read), and what the finish needs (model, id, usage, finish reason, refusal, reasoning time).
 * Plain text chunks are handed on as the bytes of their JSON string; anything unusual (the first chunk,
 * an event name, a finish, usage, an error, `[DONE]`, content that may hold a think tag) is parsed in
 * full, in its place in the order. After `[DONE]` or an error, the rest is ignored.
 */
export class ChunkReader<Batch> implements AnswerReader<Batch>, AnswerText {
  readonly #sink: AnswerSink<Batch>;
  readonly #finder = new PlainDeltaFinder();
  readonly #tags = new ThinkTags();
  #parsedOne = false;
  /** The first non-empty model and id (Azure's first chunk names neither). */
  model: string | undefined;
  id: string | undefined;
  usage: Usage | undefined;
  finishReason: string | undefined;
  /** The answer is the model's refusal (`delta.refusal`), relayed as its content. */
  refusal = false;
  /** When (performance.now()) the first content and the first reasoning frame were written. */
  firstContentAt: number | undefined;
  firstReasoningAt: number | undefined;
  /** `[DONE]` arrived. */
  done = false;
  /** An error event, or a chunk that is not JSON: thrown once the frames before it are out. */
  failure: { error: object } | { notJson: true } | undefined;

  constructor(sink: AnswerSink<Batch>) {
    this.#sink = sink;
  }

  event(name: string | undefined, data: Buffer, start: number, end: number): void {
    if (this.done || this.failure) return;
    // The first chunk is always parsed: it names the model and the answer's id.
    if (this.#parsedOne && name === undefined) {
      const open = this.#finder.find(data, start, end);
      if (open !== -1 && this.#copied(data, open, this.#finder.close)) return;
    }
    if (end - start === DONE.length && data.compare(DONE, 0, DONE.length, start, end) === 0) {
      this.#tags.end(this);
      this.done = true;
      return;
    }
    const chunk = parseChunk(data.toString("utf8", start, end));
    // Errors inside a 200 stream are thrown as the SDK itself would, after what arrived before them:
    // that part of the answer is still the user's.
    if (!chunk) return this.#fail({ notJson: true });
    if (name === "error" || chunk.error) return this.#fail({ error: (chunk.error ?? chunk) as object });
    // vLLM and servers built like it send `{"object":"error","message":…}` with no `error` key.
    if (chunk.object === "error") return this.#fail({ error: chunk });
    this.#parsedOne = true;
    if (chunk.model) this.model ??= chunk.model;
    if (chunk.id) this.id ??= chunk.id;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = answerChoice(chunk);
    if (!choice) return;
    if (choice.delta) this.#delta(choice.delta);
    if (choice.finish_reason) {
      this.#tags.end(this);
      this.finishReason = choice.finish_reason;
    }
  }

  /**
   * The fast path: the text literal `data[open, close)` of a plain delta copied into its frame as it
   * came, when nothing needs reading. False when it must be parsed after all (a tag may be in it).
   */
  #copied(data: Buffer, open: number, close: number): boolean {
    if (close - open <= 2) return true; // `""`: nothing to send
    if (this.#finder.reasoning) {
      // Reasoning in a field of its own goes straight out once the first one has settled the tags.
      if (!this.#tags.settled) return false;
      this.#sink.reasoningLiteral(data, open, close);
      this.firstReasoningAt ??= performance.now();
      return true;
    }
    const kind = this.#tags.classify(data, open, close);
    if (kind === undefined) return false;
    if (kind === "reasoning") {
      this.#sink.reasoningLiteral(data, open, close);
      this.firstReasoningAt ??= performance.now();
      return true;
    }
    this.#sink.contentLiteral(data, open, close);
    this.firstContentAt ??= performance.now();
    return true;
  }

  endOfRead(): Batch | undefined {
    this.#finder.release();
    return this.#sink.take();
  }

  content(text: string): void {
    this.#sink.content(text);
    this.firstContentAt ??= performance.now();
  }

  reasoning(text: string): void {
    this.#sink.reasoning(text);
    this.firstReasoningAt ??= performance.now();
  }

  contentWasReasoning(text: string): void {
    this.#sink.contentWasReasoning(text);
    // The content so far was thinking: the answer proper has not started yet.
    this.firstReasoningAt ??= this.firstContentAt ?? performance.now();
    this.firstContentAt = undefined;
  }

  #delta(delta: Delta): void {
    const reasoning = reasoningOf(delta);
    if (reasoning) {
      this.#tags.settle(this);
      this.reasoning(reasoning);
    }
    const { content, refusal } = delta;
    if (typeof content === "string") this.#tags.push(content, this);
    else if (Array.isArray(content)) for (const part of content) this.#part(part);
    if (typeof refusal === "string" && refusal !== "") {
      this.refusal = true;
      this.#tags.settle(this);
      this.content(refusal);
    }
  }

  /** A content part: text is the answer, thinking is reasoning, anything else is skipped (never sent raw). */
  #part(part: ContentPart): void {
    if (typeof part !== "object" || part === null) return;
    if (part.type === "text" && typeof part.text === "string") return this.#tags.push(part.text, this);
    if (part.type !== "thinking") return;
    const thinking = typeof part.thinking === "string" ? part.thinking : textOf(part.thinking);
    if (thinking) {
      this.#tags.settle(this);
      this.reasoning(thinking);
    }
  }

  #fail(failure: NonNullable<ChunkReader<Batch>["failure"]>): void {
    this.#tags.end(this);
    this.failure = failure;
  }
}

/** Choice 0 is the answer; a server that sends several choices unasked interleaves the others. */
function answerChoice(chunk: Chunk): NonNullable<Chunk["choices"]>[number] | undefined {
  const choices = chunk.choices;
  if (!Array.isArray(choices)) return undefined;
  for (const choice of choices) if (typeof choice === "object" && choice !== null && (choice.index ?? 0) === 0) return choice;
  return undefined;
}

/**
 * The reasoning in a delta, whichever field the server uses. OpenRouter sends the same text twice
 * (`reasoning` and `reasoning_details`): the details are read only when neither string field has text.
 */
function reasoningOf(delta: Delta): string {
  if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") return delta.reasoning_content;
  if (typeof delta.reasoning === "string" && delta.reasoning !== "") return delta.reasoning;
  const details = delta.reasoning_details;
  if (!Array.isArray(details)) return "";
  let text = "";
  for (const d of details) {
    if (typeof d !== "object" || d === null) continue;
    // `reasoning.encrypted` parts carry no text a person can read.
    if (typeof d.text === "string") text += d.text;
    else if (typeof d.summary === "string") text += d.summary;
  }
  return text;
}

function textOf(parts: unknown): string {
  if (!Array.isArray(parts)) return "";
  let text = "";
  for (const p of parts) if (typeof p === "object" && p !== null && typeof (p as ContentPart).text === "string") text += (p as ContentPart).text;
  return text;
}
