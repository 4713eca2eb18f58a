import type { Burst } from "../wire/burst.ts";

/**
 * Where a generation's SSE frames live, so a client can re-attach after a dropped connection and get
 * exactly the frames after the last one it saw. In process by default; Redis Streams with REDIS_URL.
 */
export interface StreamStore {
  /** Opens the log of a new generation; the caller is its only writer. */
  create(id: string): Promise<StreamWriter>;
  /**
   * The frames with a sequence number above `afterSeq`, then live ones, until the generation ends.
   * Undefined when the id is unknown or expired. Throws `resumeUnavailable` when `afterSeq` is past
   * the last frame written: ids are consecutive, so no client can have seen it, and waiting would hang.
   */
  read(id: string, afterSeq: number, signal: AbortSignal): Promise<AsyncIterable<string> | undefined>;
  /** Asks the generation's producer, on whichever instance, to stop. False when unknown. */
  requestStop(id: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * The single writer of one generation's log. Frames are numbered 1, 2, 3… in the order written, and
 * written a burst at a time (a network read's worth).
 */
export interface StreamWriter {
  /**
   * Adds the next frames. When a buffer limit is reached, keeps the frames that still fit (exactly as
   * if they had come one by one) and throws a ChatError.
   */
  append(burst: Burst): void;
  /** Adds the last frames (finish and [DONE], or an error); limits do not apply, so a client always learns the end. */
  end(burst: Burst): void;
  /** Called when any instance asks this generation to stop. */
  onStop(listener: () => void): void;
  /** True while some client (here or, with Redis, anywhere) reads this generation. */
  hasReaders(): Promise<boolean>;
}

export interface BufferLimits {
  maxEventsPerStream: number;
  maxBytesPerStream: number;
  maxBytesTotal: number;
  /** How long a finished generation stays readable. */
  ttlMs: number;
}
