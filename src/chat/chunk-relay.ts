import { DeltaFrames, type FrameBurst } from "./delta-frames.ts";
import { type Chunk, PlainDeltaFinder, parseChunk } from "./openai-chunk.ts";
import type { EventSink } from "./sse-data.ts";

const DONE = Buffer.from("[DONE]");

/**
 * The upstream's events → this answer's delta frames, a burst per network read, and what the finish
 * needs (model, id, usage, finish reason). Plain content chunks are copied at the byte level into the
 * read's burst; anything unusual (the first chunk, an event name, a finish, usage, an error, `[DONE]`)
 * is parsed in full, in its place in the order. After `[DONE]` or an error, the rest is ignored.
 */
export class ChunkRelay implements EventSink<FrameBurst | undefined> {
  readonly #frames = new DeltaFrames();
  readonly #finder = new PlainDeltaFinder();
  #parsedOne = false;
  model: string | undefined;
  id: string | undefined;
  usage: Chunk["usage"] = undefined;
  finishReason: string | undefined;
  /** `[DONE]` arrived. */
  done = false;
  /** An error event, or a chunk that is not JSON: thrown once the frames before it are out. */
  failure: { error: object } | { notJson: true } | undefined;

  event(name: string | undefined, data: Buffer, start: number, end: number): void {
    if (this.done || this.failure) return;
    // The first chunk is always parsed: it names the model and the answer's id.
    if (this.#parsedOne && name === undefined) {
      const open = this.#finder.find(data, start, end);
      if (open !== -1) {
        const close = this.#finder.close;
        if (close - open > 2) this.#frames.addLiteral(data, open, close);
        return;
      }
    }
    if (end - start === DONE.length && data.compare(DONE, 0, DONE.length, start, end) === 0) {
      this.done = true;
      return;
    }
    const chunk = parseChunk(data.toString("utf8", start, end));
    // Errors inside a 200 stream are thrown as the SDK itself would, after what arrived before them:
    // that part of the answer is still the user's.
    if (!chunk) return void (this.failure = { notJson: true });
    if (name === "error" || chunk.error) return void (this.failure = { error: (chunk.error ?? chunk) as object });
    this.#parsedOne = true;
    this.model ??= chunk.model;
    this.id ??= chunk.id;
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0];
    if (!choice) return;
    const content = choice.delta?.content;
    if (content) this.#frames.addQuoted(JSON.stringify(content));
    if (choice.finish_reason) this.finishReason = choice.finish_reason;
  }

  endOfRead(): FrameBurst | undefined {
    this.#finder.release();
    return this.#frames.take();
  }
}
