import { ChatError } from "../errors.ts";
import type { Burst } from "../resume/burst.ts";
import type { StreamWriter } from "../resume/store.ts";
import type { ChatTrace } from "../telemetry/chat-trace.ts";
import { formatEvent } from "./sse.ts";
import type { ChatEvent } from "./upstream.ts";

/** The abort reason of an explicit Stop: the partial answer is a result, not a failure. */
export const STOPPED = new ChatError({ status: 499, type: "stopped", message: "Stopped." });

const ABANDONED = new ChatError({ status: 499, type: "abandoned", message: "The answer was abandoned: no client was reading it." });

export interface GenerationOptions {
  events: AsyncGenerator<ChatEvent>;
  abort: AbortController;
  writer: StreamWriter;
  /** How long the generation goes on with no client reading, waiting for a re-attach. 0 = abort at once. */
  graceMs: number;
  toChatError: (err: unknown) => ChatError;
  /** The request's spans, when tracing: they end with the answer, not with any one connection. */
  trace?: ChatTrace | undefined;
  /** Called once, when the last frame is written. */
  onEnd: () => void;
}

/**
 * One model answer, written into its log a burst of frames at a time, independent of any HTTP
 * connection: clients attach and detach; the answer goes on while one reads, or for a grace period
 * after the last leaves.
 */
export class Generation {
  readonly #o: GenerationOptions;
  #seq = 0;
  #readers = 0;
  #ended = false;
  #grace: ReturnType<typeof setTimeout> | undefined;

  constructor(options: GenerationOptions) {
    this.#o = options;
    options.writer.onStop(() => options.abort.abort(STOPPED));
    void this.#run();
  }

  attached(): void {
    this.#readers++;
    clearTimeout(this.#grace);
  }

  detached(): void {
    this.#readers--;
    if (this.#readers === 0) this.#scheduleGrace();
  }

  /** The answer's last frames, numbered after the deltas. */
  #end(...events: Array<{ data: string; event?: string }>): Burst {
    const first = this.#seq + 1;
    const text = events.map((e) => formatEvent({ ...e, id: String(++this.#seq) })).join("");
    return { text, first, last: this.#seq };
  }

  async #run(): Promise<void> {
    const { events, abort, writer, trace } = this.#o;
    try {
      for await (const e of events) {
        if (e.type === "frames") {
          // Numbered before the write, as a refused frame's id stays used (the error event comes after it).
          this.#seq = e.last;
          writer.append(e);
          continue;
        }
        // Keys beyond the seed's are added only when they say something: a seed client's finish is unchanged.
        const finish = {
          finish_reason: e.finishReason,
          model: e.model,
          usage: e.usage,
          ...(e.reasoningMs !== undefined && { reasoning_ms: e.reasoningMs }),
          ...(e.refusal && { refusal: true }),
        };
        writer.end(this.#end({ event: "finish", data: JSON.stringify(finish) }, { data: "[DONE]" }));
        return trace?.finish(e);
      }
    } catch (err) {
      // Buffer limits throw here too: the upstream must stop costing money.
      if (!abort.signal.aborted) abort.abort(err);
      void events.return(undefined).catch(() => {});
      const reason = abort.signal.reason;
      if (reason === STOPPED) {
        writer.end(this.#end({ event: "finish", data: JSON.stringify({ finish_reason: "stopped" }) }, { data: "[DONE]" }));
        return trace?.abort();
      }
      const error = reason instanceof ChatError ? reason : this.#o.toChatError(err);
      if (error.type === "aborted") {
        writer.end(this.#end({ event: "error", data: JSON.stringify(ABANDONED.toJSON()) }));
        return trace?.abort();
      }
      writer.end(this.#end({ event: "error", data: JSON.stringify(error.toJSON()) }));
      trace?.fail(error);
    } finally {
      this.#ended = true;
      clearTimeout(this.#grace);
      this.#o.onEnd();
    }
  }

  #scheduleGrace(): void {
    if (this.#ended) return;
    const { graceMs, abort, writer } = this.#o;
    if (graceMs === 0) return abort.abort();
    clearTimeout(this.#grace);
    this.#grace = setTimeout(async () => {
      if (this.#ended || this.#readers > 0) return;
      // With Redis, a client may be reading through another instance.
      if (await writer.hasReaders()) return this.#scheduleGrace();
      abort.abort();
    }, graceMs);
  }
}
