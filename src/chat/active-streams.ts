import { ChatError } from "../errors.ts";

/** The answers in flight: counted for the concurrency limit, aborted together on shutdown. */
export class ActiveStreams {
  readonly #controllers = new Set<AbortController>();
  #drained: (() => void) | undefined;

  get size(): number {
    return this.#controllers.size;
  }

  add(controller: AbortController): void {
    this.#controllers.add(controller);
  }

  delete(controller: AbortController): void {
    this.#controllers.delete(controller);
    if (this.#controllers.size === 0) this.#drained?.();
  }

  /** Resolves when no stream is open, or after `ms`, whichever is first. */
  drain(ms: number): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Ends every open stream with an `event: error` that says why. */
  abortAll(reason: ChatError): void {
    for (const c of this.#controllers) c.abort(reason);
  }
}

export const shuttingDown = () =>
  new ChatError({ status: 503, type: "server_shutting_down", message: "The server is restarting; the answer was cut. Retry in a moment." });
