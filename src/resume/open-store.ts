import { ConfigError, type Resume } from "../config.ts";
import { MemoryStreamStore } from "./memory-store.ts";
import { RedisStreamStore } from "./redis-store.ts";
import type { StreamStore } from "./store.ts";

/** In-process buffers by default; Redis Streams when REDIS_URL is set (refusing to start if unreachable). */
export async function openStreamStore(resume: Resume): Promise<StreamStore> {
  const limits = {
    maxEventsPerStream: resume.maxEventsPerStream,
    maxBytesPerStream: resume.maxBytesPerStream,
    maxBytesTotal: resume.maxBytesTotal,
    ttlMs: resume.ttlMs,
  };
  if (!resume.redisURL) return new MemoryStreamStore(limits);
  try {
    return await RedisStreamStore.connect(resume.redisURL, limits);
  } catch (err) {
    throw new ConfigError(`cannot reach Redis at ${new URL(resume.redisURL).host}: ${err instanceof Error ? err.message : String(err)}`);
  }
}
