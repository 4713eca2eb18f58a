import { ChatError, abandoned, stopped } from "../errors.ts";
import type { StreamWriter } from "../resume/store.ts";
import type { ChatTrace } from "../telemetry/chat-trace.ts";
import type { Finish } from "../upstream/stream-completion.ts";
import type { AnswerFrames } from "../wire/answer-frames.ts";
import type { Burst } from "../wire/burst.ts";

/** The abort reason of an explicit Stop: the partial answer is a result, not a failure. */
export const STOPPED = stopped();

export interface GenerationOptions {
  /** The model call: a burst of frames per network read, then how it finished. */
  events: AsyncGenerator<Burst, Finish>;
  /** The answer's frames, which the model call writes into: the end frames are numbered after its own. */
  frames: AnswerFrames;
  abort: AbortController;
  writer: StreamWriter;
  /** How long the generation goes on with no client reading, waiting for a re-attach. 0 = abort at once. */
  graceMs: number;
  /** The answer is saved (CHAT_HISTORY=on): it goes on to its end with nobody reading; no grace applies. */
  finishUnread?: boolean | undefined;
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

  /** The answer's last frames: a finish (with its JSON) and [DONE], or an error event. */
  #end(kind: "finish" | "error", json: object): Burst {
    const { frames } = this.#o;
    frames.event(kind, JSON.stringify(json));
    if (kind === "finish") frames.done();
    return frames.take()!;
  }

  async #run(): Promise<void> {
    const { events, abort, writer, trace } = this.#o;
    try {
      for (;;) {
        const next = await events.next();
        if (!next.done) {
          writer.append(next.value);
          continue;
        }
        const e = next.value;
        // Keys beyond the seed's are added only when they say something: a seed client's finish is unchanged.
        const finish = {
          finish_reason: e.finishReason,
          model: e.model,
          usage: e.usage,
          ...(e.reasoningMs !== undefined && { reasoning_ms: e.reasoningMs }),
          ...(e.refusal && { refusal: true }),
        };
        writer.end(this.#end("finish", finish));
        return trace?.finish(e);
      }
    } catch (err) {
      // Buffer limits throw here too: the upstream must stop costing money.
      if (!abort.signal.aborted) abort.abort(err);
      void events.return(undefined as never).catch(() => {});
      const reason = abort.signal.reason;
      if (reason === STOPPED) {
        writer.end(this.#end("finish", { finish_reason: "stopped" }));
        return trace?.abort();
      }
      const error = reason instanceof ChatError ? reason : this.#o.toChatError(err);
      if (error.clientGone) {
        writer.end(this.#end("error", abandoned().toJSON()));
        return trace?.abort();
      }
      writer.end(this.#end("error", error.toJSON()));
      trace?.fail(error);
    } finally {
      this.#ended = true;
      clearTimeout(this.#grace);
      this.#o.onEnd();
    }
  }

  #scheduleGrace(): void {
    if (this.#ended || this.#o.finishUnread) return;
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
