import { RedisClient } from "bun";
import { type ChatError, rateLimited } from "../errors.ts";

/** Takes one request from a client's budget, or says how long to wait. */
export interface RateLimit {
  take(client: string): ChatError | undefined | Promise<ChatError | undefined>;
}

const limited = (perMinute: number, retryAfter: number) =>
  rateLimited(`Too many requests: the limit is ${perMinute} a minute. Try again in ${retryAfter} s.`, retryAfter);

/**
 * Requests per minute per client address, as a token bucket (bursts up to the limit, then a steady
 * refill). In-process: each instance counts its own clients.
 */
export class RateLimiter implements RateLimit {
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
    return limited(this.#perMinute, Math.ceil((1 - b.tokens) / rate / 1000));
  }

  // Drop full buckets once a minute so the map holds only recently active clients.
  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + 60_000;
    for (const [k, b] of this.#buckets) if (b.tokens + (now - b.at) * (this.#perMinute / 60_000) >= this.#perMinute) this.#buckets.delete(k);
  }
}

/**
 * The same budget shared by every instance through Redis (REDIS_URL): a counter per client and
 * minute (INCR + PEXPIRE). If Redis does not answer, requests are let through: a broken limiter
 * must not take the chat down with it.
 */
export class RedisRateLimiter implements RateLimit {
  readonly #perMinute: number;
  readonly #redis: RedisClient;
  readonly #ready: Promise<unknown>;

  constructor(perMinute: number, url: string) {
    this.#perMinute = perMinute;
    this.#redis = new RedisClient(url, { enableOfflineQueue: false });
    // Without an offline queue, commands sent before the connection is up would fail: connect first.
    this.#ready = this.#redis.connect().catch(() => {});
  }

  async take(client: string): Promise<ChatError | undefined> {
    if (this.#perMinute <= 0) return undefined;
    const now = Date.now();
    const window = Math.floor(now / 60_000);
    const key = `chat:rate:${client}:${window}`;
    try {
      await this.#ready;
      const count = Number(await this.#redis.send("INCR", [key]));
      if (count === 1) await this.#redis.send("PEXPIRE", [key, "61000"]);
      if (count <= this.#perMinute) return undefined;
      return limited(this.#perMinute, Math.max(1, Math.ceil(((window + 1) * 60_000 - now) / 1000)));
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.#redis.close();
  }
}
