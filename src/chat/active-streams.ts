import { ChatError } from "../errors.ts";

/** The answers in flight: counted for the concurrency limits, aborted together on shutdown. */
export class ActiveStreams {
  readonly #clients = new Map<AbortController, string>();
  readonly #perClient = new Map<string, number>();
  #drained: (() => void) | undefined;

  get size(): number {
    return this.#clients.size;
  }

  /** Open streams of one client address. */
  countFor(client: string): number {
    return this.#perClient.get(client) ?? 0;
  }

  add(controller: AbortController, client: string): void {
    if (this.#clients.has(controller)) return;
    this.#clients.set(controller, client);
    this.#perClient.set(client, this.countFor(client) + 1);
  }

  delete(controller: AbortController): void {
    const client = this.#clients.get(controller);
    if (client === undefined) return;
    this.#clients.delete(controller);
    const left = this.countFor(client) - 1;
    if (left > 0) this.#perClient.set(client, left);
    else this.#perClient.delete(client);
    if (this.#clients.size === 0) this.#drained?.();
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
    for (const c of this.#clients.keys()) c.abort(reason);
  }
}

export const shuttingDown = () =>
  new ChatError({ status: 503, type: "server_shutting_down", message: "The server is restarting; the answer was cut. Retry in a moment." });
