import type { AnswerStatus, AnswerUpdate, MessageRecord } from "./store.ts";

type Meta = AnswerUpdate["meta"];

/**
 * An answer's text and end, read back from its wire frames (wire/answer-frames.ts writes them: one
 * line of JSON per `data:`, an optional `event:` name, frames ending in an empty line). Frames are only
 * kept as they come and parsed when a save asks, once a second at most: the relay's path per token is
 * untouched, and a token costs one JSON.parse a second later.
 */
export class AnswerRecord {
  #pending: string[] = [];
  #content: string[] = [];
  #reasoning: string[] = [];
  #status: AnswerStatus = "streaming";
  #meta: Meta = {};
  /** The id of the last frame read: a page re-attaching after it gets exactly what follows the saved text. */
  #lastId: string | undefined;
  /** How many times text already read was moved (content found to be reasoning): a save then writes whole texts. */
  #rewrites = 0;

  /** Keeps a burst of frames for the next save. */
  add(frames: string): void {
    this.#pending.push(frames);
  }

  /** True when frames came since the last `snapshot`. */
  get changed(): boolean {
    return this.#pending.length > 0;
  }

  /**
   * The answer as it stands: whole text so far, status and finish details. Between two snapshots with
   * the same `rewrites`, each text only grew at its end (what a save may append).
   */
  snapshot(): { content: string; reasoning: string; status: AnswerStatus; meta: Meta; rewrites: number } {
    for (const text of this.#pending) this.#read(text);
    this.#pending = [];
    // Joined once per save; kept joined so the next save joins two parts, not every token again.
    const content = this.#content.join("");
    const reasoning = this.#reasoning.join("");
    this.#content = content ? [content] : [];
    this.#reasoning = reasoning ? [reasoning] : [];
    const meta = this.#status === "streaming" && this.#lastId !== undefined ? { ...this.#meta, lastEventId: this.#lastId } : this.#meta;
    return { content, reasoning, status: this.#status, meta, rewrites: this.#rewrites };
  }

  #read(text: string): void {
    for (let start = 0; start < text.length;) {
      let end = text.indexOf("\n\n", start);
      if (end === -1) end = text.length;
      this.#frame(text.slice(start, end));
      start = end + 2;
    }
  }

  #frame(frame: string): void {
    let event: string | undefined;
    let data: string | undefined;
    for (const line of frame.split("\n")) {
      if (line.startsWith("event: ")) event = line.slice(7);
      else if (line.startsWith("data: ")) data = line.slice(6);
      else if (line.startsWith("id: ")) this.#lastId = line.slice(4);
    }
    if (data === undefined || data === "[DONE]") return;
    const json = JSON.parse(data) as Record<string, unknown>;
    if (event === undefined) this.#content.push(json.content as string);
    else if (event === "reasoning") {
      if (json.content_was_reasoning === true) {
        if (this.#content.length > 0) this.#rewrites++;
        this.#reasoning.push(...this.#content);
        this.#content = [];
      }
      this.#reasoning.push(json.reasoning as string);
    } else if (event === "finish") this.#finish(json);
    else if (event === "error") {
      this.#status = "error";
      this.#meta = { ...this.#meta, error: json as MessageRecord["error"] };
    }
  }

  #finish(json: Record<string, unknown>): void {
    const reason = json.finish_reason as string;
    this.#status = reason === "stopped" ? "stopped" : "done";
    this.#meta = {
      finishReason: reason,
      ...(typeof json.model === "string" && { model: json.model }),
      ...(json.usage !== undefined && json.usage !== null && { usage: json.usage as Record<string, unknown> }),
      ...(typeof json.reasoning_ms === "number" && { reasoningMs: json.reasoning_ms }),
      ...(json.refusal === true && { refusal: true }),
    };
  }
}
