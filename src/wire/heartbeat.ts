/** A stream that wants `: ping` comments while it is silent. */
export interface Beating {
  /** performance.now() of the last byte written. */
  lastWrite: number;
  ping(): void;
}

/**
 * One shared ticker for every open stream, instead of a timer each: at 10,000 streams that is one
 * callback per tick, not 10,000 timers. Bun's idle timeout (10 s, coarse: cuts seen from 8.9 s) and
 * proxies (nginx 60 s) close silent connections, and a reasoning model can think for minutes.
 */
export class Heartbeat {
  readonly #streams = new Set<Beating>();
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  add(stream: Beating): void {
    this.#streams.add(stream);
    // Tick at half the interval so no stream stays silent longer than 1.5 × intervalMs.
    this.#timer ??= setInterval(() => this.#tick(), Math.max(50, this.#intervalMs / 2));
  }

  delete(stream: Beating): void {
    this.#streams.delete(stream);
    if (this.#streams.size === 0 && this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  #tick(): void {
    const due = performance.now() - this.#intervalMs;
    for (const s of this.#streams) if (s.lastWrite <= due) s.ping();
  }
}
