import { ChatError } from "../errors.ts";

/**
 * Requests per minute per client address, as a token bucket (bursts up to the limit, then a steady
 * refill). In-process: each instance counts its own clients.
 */
export class RateLimiter {
  readonly #perMinute: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  #sweepAt = 0;

  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  /** Takes one request from the client's budget, or says how long to wait. */
  take(client: string, now = performance.now()): ChatError | undefined {
    if (this.#perMinute <= 0) return undefined;
    this.#sweep(now);
    const rate = this.#perMinute / 60_000;
    const b = this.#buckets.get(client) ?? { tokens: this.#perMinute, at: now };
    b.tokens = Math.min(this.#perMinute, b.tokens + (now - b.at) * rate);
    b.at = now;
    this.#buckets.set(client, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return undefined;
    }
    const retryAfter = Math.ceil((1 - b.tokens) / rate / 1000);
    return new ChatError({
      status: 429,
      type: "rate_limited",
      message: `Too many requests: the limit is ${this.#perMinute} a minute. Try again in ${retryAfter} s.`,
      retryAfter,
    });
  }

  // Drop full buckets once a minute so the map holds only recently active clients.
  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + 60_000;
    for (const [k, b] of this.#buckets) if (b.tokens + (now - b.at) * (this.#perMinute / 60_000) >= this.#perMinute) this.#buckets.delete(k);
  }
}
