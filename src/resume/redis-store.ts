import { RedisClient } from "bun";
import { ChatError } from "../errors.ts";
import { formatEvent } from "../chat/sse.ts";
import { type Burst, framesAfter } from "./burst.ts";
import { MemoryStreamStore } from "./memory-store.ts";
import type { BufferLimits, StreamStore, StreamWriter } from "./store.ts";

const ALIVE_MS = 3000;
const REFRESH_MS = 1000;
const STOP_CHANNEL = "chat:stop";

const keys = (id: string) => ({
  log: `chat:gen:${id}`,
  alive: `chat:gen:${id}:alive`,
  readers: `chat:gen:${id}:readers`,
  stop: `chat:gen:${id}:stop`,
});

/**
 * Several instances behind a load balancer. The producing instance serves its own readers from memory
 * (the fast path) and writes every burst it keeps through to a Redis Stream: one entry per burst, entry
 * id `0-<last seq>`, field `f` the frames and `s` the first seq. A client that re-attaches to ANOTHER
 * instance reads that stream (blocking XREAD from its last id), cutting only the entry that holds it.
 * Redis Streams, not pub/sub: pub/sub drops messages by design (redis/redis #4079).
 * The producer keeps an `alive` key fresh; a reader that finds it gone knows the producer died
 * (kill -9) and ends with `event: error` instead of waiting forever (vercel/resumable-stream #23).
 */
export class RedisStreamStore implements StreamStore {
  readonly #url: string;
  readonly #limits: BufferLimits;
  readonly #local: MemoryStreamStore;
  readonly #redis: RedisClient;
  readonly #subscriber: RedisClient;
  #warned = false;

  private constructor(url: string, limits: BufferLimits) {
    this.#url = url;
    this.#limits = limits;
    this.#local = new MemoryStreamStore(limits);
    // No offline queue: while Redis is away, writes fail at once (and are reported) instead of piling up.
    this.#redis = new RedisClient(url, { enableOfflineQueue: false });
    this.#subscriber = new RedisClient(url);
  }

  /** Connects (failing fast with a clear message) and listens for Stop requests from other instances. */
  static async connect(url: string, limits: BufferLimits): Promise<RedisStreamStore> {
    // Fail fast at start: the long-lived clients below retry for a long time by design.
    const probe = new RedisClient(url, { autoReconnect: false, connectionTimeout: 3000 });
    try {
      await probe.connect();
      await probe.send("PING", []);
    } finally {
      probe.close();
    }
    const store = new RedisStreamStore(url, limits);
    await store.#redis.connect();
    await store.#subscriber.connect();
    await store.#subscriber.subscribe(STOP_CHANNEL, (id) => void store.#local.requestStop(id));
    return store;
  }

  async create(id: string): Promise<StreamWriter> {
    const k = keys(id);
    const write = (burst: Burst, end: boolean) => {
      const args = [k.log, `0-${burst.last}`, "f", burst.text, "s", String(burst.first)];
      if (end) args.push("end", "1");
      this.#redis.send("XADD", args).catch((err) => this.#warn(err));
    };
    // The local log decides what is kept (limits cut a burst short); Redis gets exactly that.
    const local = await this.#local.create(id, write);
    let stopped = false;
    const stopListeners: Array<() => void> = [];
    local.onStop(() => {
      stopped = true;
      for (const l of stopListeners) l();
    });
    // Keep the producer visibly alive; also the fallback for a Stop whose pub/sub message was lost.
    const refresh = async () => {
      try {
        await this.#redis.send("SET", [k.alive, "1", "PX", String(ALIVE_MS)]);
        await this.#redis.send("PEXPIRE", [k.log, String(this.#limits.ttlMs + ALIVE_MS)]);
        if (!stopped && (await this.#redis.send("EXISTS", [k.stop])) === 1) void this.#local.requestStop(id);
      } catch (err) {
        this.#warn(err);
      }
    };
    void refresh();
    const timer = setInterval(refresh, REFRESH_MS);
    return {
      append: (burst) => local.append(burst),
      end: (burst) => {
        clearInterval(timer);
        local.end(burst);
        this.#redis.send("PEXPIRE", [k.log, String(this.#limits.ttlMs)]).catch((err) => this.#warn(err));
        this.#redis.send("DEL", [k.alive]).catch((err) => this.#warn(err));
      },
      onStop: (listener) => void stopListeners.push(listener),
      hasReaders: async () => (await local.hasReaders()) || (await this.#exists(k.readers)),
    };
  }

  async read(id: string, afterSeq: number, signal: AbortSignal): Promise<AsyncIterable<string> | undefined> {
    const local = await this.#local.read(id, afterSeq, signal);
    if (local) return local;
    if ((await this.#redis.send("EXISTS", [keys(id).log])) !== 1) return undefined;
    return this.#follow(id, afterSeq, signal);
  }

  async requestStop(id: string): Promise<boolean> {
    if (await this.#local.requestStop(id)) return true;
    const k = keys(id);
    if ((await this.#redis.send("EXISTS", [k.log])) !== 1) return false;
    await this.#redis.send("SET", [k.stop, "1", "PX", String(this.#limits.ttlMs)]);
    await this.#redis.send("PUBLISH", [STOP_CHANNEL, id]);
    return true;
  }

  async close(): Promise<void> {
    await this.#local.close();
    this.#subscriber.close();
    this.#redis.close();
  }

  /** Replay from Redis, then tail it, on a connection of its own (XREAD BLOCK holds it). */
  async *#follow(id: string, afterSeq: number, signal: AbortSignal): AsyncGenerator<string> {
    const k = keys(id);
    const conn = new RedisClient(this.#url, { autoReconnect: false });
    let last = afterSeq;
    try {
      while (!signal.aborted) {
        await this.#redis.send("SET", [k.readers, "1", "PX", String(ALIVE_MS)]);
        const reply = (await conn.send("XREAD", ["COUNT", "1000", "BLOCK", String(REFRESH_MS), "STREAMS", k.log, `0-${last}`])) as StreamReply;
        const entries = parseEntries(reply, k.log);
        const { burst, ended } = joinFrames(entries, last);
        if (entries.length > 0) last = entries.at(-1)!.seq;
        if (burst) yield burst;
        if (ended) return;
        if (entries.length === 0 && (await this.#redis.send("EXISTS", [k.alive])) !== 1) {
          // One last look: the final frames may have landed just before the alive key went.
          const tail = joinFrames(parseEntries((await conn.send("XREAD", ["COUNT", "1000", "STREAMS", k.log, `0-${last}`])) as StreamReply, k.log), last);
          yield tail.ended ? tail.burst : tail.burst + lostFrame();
          return;
        }
      }
    } catch (err) {
      if (signal.aborted) return;
      yield formatEvent({ event: "error", data: JSON.stringify(storeFailed(err).toJSON()) });
    } finally {
      conn.close();
    }
  }

  /** EXISTS that answers false when Redis does not answer within a second. */
  async #exists(key: string): Promise<boolean> {
    const timeout = Bun.sleep(1000).then(() => 0);
    return (await Promise.race([this.#redis.send("EXISTS", [key]).catch(() => 0), timeout])) === 1;
  }

  #warn(err: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    console.error(`chat: Redis write failed (answers go on here, but cannot resume elsewhere): ${err instanceof Error ? err.message : String(err)}`);
  }
}

type StreamReply = Record<string, Array<[string, string[]]>> | Array<[string, Array<[string, string[]]>]> | null;

/** XREAD's reply (RESP3 map or RESP2 array) → entries with their last sequence number and fields. */
function parseEntries(reply: StreamReply, key: string): Array<{ seq: number; fields: Record<string, string> }> {
  if (!reply) return [];
  const raw = Array.isArray(reply) ? (reply.find(([k]) => k === key)?.[1] ?? []) : (reply[key] ?? []);
  return raw.map(([entryId, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return { seq: Number(entryId.split("-")[1]), fields };
  });
}

/**
 * One read's entries as one string (one socket write), up to the last frame of the answer. XREAD
 * returns the entry whose last frame is past `afterSeq`; only that first one may hold frames already seen.
 */
function joinFrames(entries: Array<{ seq: number; fields: Record<string, string> }>, afterSeq: number): { burst: string; ended: boolean } {
  let burst = "";
  for (const { seq, fields } of entries) {
    const text = fields.f ?? "";
    burst += framesAfter(text, Number(fields.s ?? seq), afterSeq);
    if (fields.end === "1") return { burst, ended: true };
  }
  return { burst, ended: false };
}

const lostFrame = () =>
  formatEvent({
    event: "error",
    data: JSON.stringify(
      new ChatError({ status: 502, type: "generation_lost", message: "The server writing this answer stopped; the text above is all that was saved. Retry to continue." }).toJSON(),
    ),
  });

const storeFailed = (err: unknown) =>
  new ChatError({
    status: 503,
    type: "resume_store_unavailable",
    message: `Lost the connection to Redis while resuming this answer: ${err instanceof Error ? err.message : String(err)}`,
  });
