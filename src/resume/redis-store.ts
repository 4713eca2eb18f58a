import { RedisClient } from "bun";
import { ChatError, generationLost, resumeStoreUnavailable, resumeUnavailable } from "../errors.ts";
import { formatEvent } from "../wire/sse.ts";
import { type Burst, framesAfter } from "../wire/burst.ts";
import { MemoryStreamStore, pastTheEnd } from "./memory-store.ts";
import type { BufferLimits, StreamStore, StreamWriter } from "./store.ts";

const ALIVE_MS = 3000;
const REFRESH_MS = 1000;
const STOP_CHANNEL = "chat:stop";
/** How long a re-attach elsewhere waits for an id its client saw on the producer to reach Redis. */
const CATCH_UP_MS = 1000;

const keys = (id: string) => ({
  log: `chat:gen:${id}`,
  /** Exists from create() until the log expires: the answer is known before its first frame. */
  meta: `chat:gen:${id}:meta`,
  alive: `chat:gen:${id}:alive`,
  readers: `chat:gen:${id}:readers`,
  stop: `chat:gen:${id}:stop`,
});

/**
 * Several instances behind a load balancer. The producing instance serves its own readers from memory
 * (the fast path) and writes every burst it keeps through to a Redis Stream: one entry per burst, entry
 * id `0-<last seq>`, field `f` the frames and `s` the previous entry's last seq + 1 (so ids a buffer
 * limit skipped are no hole, and a hole means lost writes). A client that re-attaches to ANOTHER
 * instance reads that stream (blocking XREAD from its last id), cutting only the entry that holds it.
 * Redis Streams, not pub/sub: pub/sub drops messages by design (redis/redis #4079).
 * The producer keeps an `alive` key fresh; a reader that finds it gone knows the producer died
 * (kill -9) and ends with `event: error` instead of waiting forever (vercel/resumable-stream #23).
 * Both keys are written before create() returns: a reasoning model may send nothing for a minute, and
 * a reload or Stop routed elsewhere in that time must find the answer.
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
    let next = 1;
    const write = (burst: Burst, end: boolean) => {
      const args = [k.log, `0-${burst.last}`, "f", burst.text, "s", String(next)];
      next = burst.last + 1;
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
    const keep = () =>
      Promise.all([
        this.#redis.send("SET", [k.alive, "1", "PX", String(ALIVE_MS)]),
        this.#redis.send("SET", [k.meta, "1", "PX", String(this.#limits.ttlMs + ALIVE_MS)]),
        this.#redis.send("PEXPIRE", [k.log, String(this.#limits.ttlMs + ALIVE_MS)]),
      ]);
    const refresh = async () => {
      try {
        await keep();
        if (!stopped && (await this.#redis.send("EXISTS", [k.stop])) === 1) void this.#local.requestStop(id);
      } catch (err) {
        this.#warn(err);
      }
    };
    // Awaited (one round trip per answer, not per token) so the client cannot learn the id before
    // other instances can; capped, as answers go on here when Redis is slow or away.
    await Promise.race([keep().catch((err) => this.#warn(err)), Bun.sleep(1000)]);
    const timer = setInterval(refresh, REFRESH_MS);
    return {
      append: (burst) => local.append(burst),
      end: (burst) => {
        clearInterval(timer);
        local.end(burst);
        this.#redis.send("PEXPIRE", [k.log, String(this.#limits.ttlMs)]).catch((err) => this.#warn(err));
        this.#redis.send("PEXPIRE", [k.meta, String(this.#limits.ttlMs)]).catch((err) => this.#warn(err));
        this.#redis.send("DEL", [k.alive]).catch((err) => this.#warn(err));
      },
      onStop: (listener) => void stopListeners.push(listener),
      hasReaders: async () => (await local.hasReaders()) || (await this.#exists(k.readers)),
    };
  }

  async read(id: string, afterSeq: number, signal: AbortSignal): Promise<AsyncIterable<string> | undefined> {
    const local = await this.#local.read(id, afterSeq, signal);
    if (local) return local;
    const k = keys(id);
    try {
      if (!(await this.#known(k))) return undefined;
      // After the very last event there is nothing to wait for (and no producer left to wait on).
      if (await this.#reaches(k, afterSeq)) return (async function* () {})();
    } catch (err) {
      throw err instanceof ChatError ? err : storeFailed(err);
    }
    return this.#follow(id, afterSeq, signal);
  }

  async requestStop(id: string): Promise<boolean> {
    if (await this.#local.requestStop(id)) return true;
    const k = keys(id);
    if (!(await this.#known(k))) return false;
    await this.#redis.send("SET", [k.stop, "1", "PX", String(this.#limits.ttlMs)]);
    await this.#redis.send("PUBLISH", [STOP_CHANNEL, id]);
    return true;
  }

  async close(): Promise<void> {
    await this.#local.close();
    this.#subscriber.close();
    this.#redis.close();
  }

  /** True from create() until the log expires (the log alone: a producer from before the meta key). */
  async #known(k: ReturnType<typeof keys>): Promise<boolean> {
    return ((await this.#redis.send("EXISTS", [k.log, k.meta])) as number) > 0;
  }

  /**
   * True when `afterSeq` is the ended answer's last event; throws when it is past the last event in
   * Redis. The producer serves its own readers from memory and writes Redis a moment later, so while
   * it lives an id just seen there gets CATCH_UP_MS to arrive; after that no client can have seen it.
   */
  async #reaches(k: ReturnType<typeof keys>, afterSeq: number): Promise<boolean> {
    const deadline = performance.now() + CATCH_UP_MS;
    for (;;) {
      const [entry] = parseRange((await this.#redis.send("XREVRANGE", [k.log, "+", "-", "COUNT", "1"])) as RangeReply);
      const last = entry?.seq ?? 0;
      const ended = entry?.fields.end === "1";
      if (afterSeq <= last) return ended && afterSeq === last;
      if (ended || performance.now() >= deadline || (await this.#redis.send("EXISTS", [k.alive])) !== 1) {
        throw resumeUnavailable(afterSeq, pastTheEnd(last, ended));
      }
      await Bun.sleep(50);
    }
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
        const { burst, ended, lost } = joinFrames(entries, last);
        if (lost) {
          yield burst + lostWrites(lost);
          return;
        }
        if (entries.length > 0) last = entries.at(-1)!.seq;
        if (burst) yield burst;
        if (ended) return;
        if (entries.length === 0 && (await this.#redis.send("EXISTS", [k.alive])) !== 1) {
          // One last look: the final frames may have landed just before the alive key went.
          const tail = joinFrames(parseEntries((await conn.send("XREAD", ["COUNT", "1000", "STREAMS", k.log, `0-${last}`])) as StreamReply, k.log), last);
          yield tail.lost ? tail.burst + lostWrites(tail.lost) : tail.ended ? tail.burst : tail.burst + lostFrame();
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

type RangeReply = Array<[string, string[]]>;
type StreamReply = Record<string, RangeReply> | Array<[string, RangeReply]> | null;
type Entry = { seq: number; fields: Record<string, string> };

/** XREAD's reply (RESP3 map or RESP2 array) → entries with their last sequence number and fields. */
function parseEntries(reply: StreamReply, key: string): Entry[] {
  if (!reply) return [];
  return parseRange(Array.isArray(reply) ? (reply.find(([k]) => k === key)?.[1] ?? []) : (reply[key] ?? []));
}

/** XRANGE's (or XREVRANGE's) reply → entries. */
function parseRange(raw: RangeReply | null): Entry[] {
  return (raw ?? []).map(([entryId, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
    return { seq: Number(entryId.split("-")[1]), fields };
  });
}

/**
 * One read's entries as one string (one socket write), up to the last frame of the answer. XREAD
 * returns the entry whose last frame is past `afterSeq`; only that first one may hold frames already seen.
 * An entry that starts past the one before it follows writes that never reached Redis: the frames
 * up to that hole, and `lost` = the first missing id, so the reader ends with an error, not a skip.
 */
function joinFrames(entries: Entry[], afterSeq: number): { burst: string; ended: boolean; lost?: number } {
  let burst = "";
  let last = afterSeq;
  for (const { seq, fields } of entries) {
    const first = Number(fields.s ?? seq);
    if (first > last + 1) return { burst, ended: false, lost: last + 1 };
    burst += framesAfter(fields.f ?? "", first, last);
    last = seq;
    if (fields.end === "1") return { burst, ended: true };
  }
  return { burst, ended: false };
}

const lostFrame = () =>
  formatEvent({
    event: "error",
    data: JSON.stringify(
      generationLost().toJSON(),
    ),
  });

const lostWrites = (missing: number) =>
  formatEvent({
    event: "error",
    data: JSON.stringify(resumeUnavailable(missing - 1, `event ${missing} and maybe more never reached Redis (it was unreachable for a moment)`).toJSON()),
  });

const storeFailed = (err: unknown) => resumeStoreUnavailable(err instanceof Error ? err.message : String(err));
