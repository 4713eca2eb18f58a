import { type Burst, frameEnds, framesAfter } from "../wire/burst.ts";
import { bufferFull, resumeUnavailable } from "../errors.ts";
import type { BufferLimits, StreamStore, StreamWriter } from "./store.ts";

/**
 * A log's frames are kept as UTF-8 in one buffer that doubles as it fills, not as a string per burst:
 * a slow stream's burst is one token, and a string each cost ~170 bytes of RSS per token, 4–5× the
 * frame (`bun bench/log-memory.ts`). Readers get a fresh string per wake-up, which dies young.
 */
const FIRST_CAPACITY = 512;

interface Log {
  /** The frames written, `data[0, size)`; one entry per burst written (a network read's frames). */
  data: Buffer;
  size: number;
  /** Where each entry ends in `data`. */
  ends: number[];
  /** The id of each entry's last frame; an entry's first is the one after the previous entry's last. */
  lasts: number[];
  /** Counted as UTF-16 code units, for the limits (see the class). */
  bytes: number;
  ended: boolean;
  readers: number;
  wake: Set<() => void>;
  stopListeners: Array<() => void>;
}

/** Called with every burst a log keeps, in order (`end` on the last): how Redis mirrors the log. */
export type LogMirror = (burst: Burst, end: boolean) => void;

/**
 * Generations' frames in this process: the default, with nothing to install. Sizes are counted in
 * UTF-16 code units (`string.length`), not encoded bytes: exact for ASCII, at most 3× under for other
 * text, and free, where Buffer.byteLength cost ~5% of the relay's CPU.
 */
export class MemoryStreamStore implements StreamStore {
  readonly #logs = new Map<string, Log>();
  readonly #limits: BufferLimits;
  #totalBytes = 0;
  /**
   * Finished logs in the order they ended, with when each expires: with one TTL for all, that is
   * also the order they expire in, so one timer serves them all (not one timer per answer, which a
   * busy server would hold by the hundred thousand).
   */
  readonly #ended: Array<{ id: string; at: number }> = [];
  #endedHead = 0;
  #expiry: ReturnType<typeof setTimeout> | undefined;

  constructor(limits: BufferLimits) {
    this.#limits = limits;
  }

  /** Bytes held across all generations (for tests and metrics). */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  async create(id: string, mirror?: LogMirror): Promise<StreamWriter> {
    const log: Log = { data: EMPTY, size: 0, ends: [], lasts: [], bytes: 0, ended: false, readers: 0, wake: new Set(), stopListeners: [] };
    this.#logs.set(id, log);
    const push = (burst: Burst, end: boolean) => {
      const size = burst.text.length;
      write(log, burst.text);
      log.ends.push(log.size);
      log.lasts.push(burst.last);
      log.bytes += size;
      this.#totalBytes += size;
      mirror?.(burst, end);
      // Each reader waits for one wake-up: whatever else is written before it runs is read with it.
      if (log.wake.size > 0) {
        for (const wake of log.wake) wake();
        log.wake.clear();
      }
    };
    return {
      append: (burst) => {
        if (log.ended) return;
        const refused = this.#overLimit(log, burst);
        if (!refused) return push(burst, false);
        if (refused.kept) push(refused.kept, false);
        throw refused.error;
      },
      end: (burst) => {
        if (log.ended) return;
        push(burst, true);
        log.ended = true;
        // Kept for the TTL: without the room it kept for growing.
        if (log.data.length > log.size + (log.size >> 3)) resize(log, log.size);
        // The listeners hold the generation (its model call, its trace): a finished answer keeps only its text.
        log.stopListeners.length = 0;
        this.#expireLater(id);
      },
      onStop: (listener) => void log.stopListeners.push(listener),
      hasReaders: async () => log.readers > 0,
    };
  }

  async read(id: string, afterSeq: number, signal: AbortSignal): Promise<AsyncIterable<string> | undefined> {
    const log = this.#logs.get(id);
    if (!log) return undefined;
    // Written synchronously, before any reader sees it: an id past the last one was never sent.
    const last = log.lasts.length === 0 ? 0 : log.lasts[log.lasts.length - 1]!;
    if (afterSeq > last) throw resumeUnavailable(afterSeq, pastTheEnd(last, log.ended));
    return follow(log, Math.max(0, afterSeq), signal);
  }

  async requestStop(id: string): Promise<boolean> {
    const log = this.#logs.get(id);
    if (!log) return false;
    if (!log.ended) for (const listener of log.stopListeners) listener();
    return true;
  }

  async close(): Promise<void> {
    clearTimeout(this.#expiry);
    this.#ended.length = 0;
    this.#endedHead = 0;
    for (const id of this.#logs.keys()) this.#drop(id);
  }

  #expireLater(id: string): void {
    this.#ended.push({ id, at: performance.now() + this.#limits.ttlMs });
    if (this.#ended.length - this.#endedHead === 1) this.#armExpiry();
  }

  #armExpiry(): void {
    const next = this.#ended[this.#endedHead];
    if (next) this.#expiry = setTimeout(() => this.#expire(), Math.max(0, next.at - performance.now()));
  }

  #expire(): void {
    const now = performance.now();
    const queue = this.#ended;
    while (this.#endedHead < queue.length && queue[this.#endedHead]!.at <= now) this.#drop(queue[this.#endedHead++]!.id);
    // Compacted once the expired part is half the queue: amortised O(1) a log.
    if (this.#endedHead > 1024 && this.#endedHead * 2 > queue.length) {
      queue.splice(0, this.#endedHead);
      this.#endedHead = 0;
    }
    this.#armExpiry();
  }

  /**
   * Undefined when the whole burst fits. Otherwise the frames that fit (checked one by one, in the
   * order a frame-at-a-time log would: events, bytes of the answer, bytes of all answers) and why the
   * next one does not.
   */
  #overLimit(log: Log, burst: Burst): { kept: Burst | undefined; error: Error } | undefined {
    const { maxEventsPerStream, maxBytesPerStream, maxBytesTotal } = this.#limits;
    const size = burst.text.length;
    if (burst.last <= maxEventsPerStream && log.bytes + size <= maxBytesPerStream && this.#totalBytes + size <= maxBytesTotal) return undefined;
    const ends = frameEnds(burst.text);
    let kept = 0;
    let error: Error | undefined;
    for (let i = 0; i < ends.length && !error; i++) {
      const bytes = ends[i]!;
      if (burst.first + i > maxEventsPerStream) error = bufferFull(`it passed ${maxEventsPerStream} events`);
      else if (log.bytes + bytes > maxBytesPerStream) error = bufferFull(`it passed ${maxBytesPerStream} bytes`);
      else if (this.#totalBytes + bytes > maxBytesTotal) error = bufferFull("the server's buffer for all answers is full");
      else kept = i + 1;
    }
    const text = burst.text.slice(0, kept === 0 ? 0 : ends[kept - 1]);
    return { kept: kept === 0 ? undefined : { text, first: burst.first, last: burst.first + kept - 1 }, error: error ?? bufferFull("it passed its limits") };
  }

  #drop(id: string): void {
    const log = this.#logs.get(id);
    if (!log) return;
    this.#totalBytes -= log.bytes;
    this.#logs.delete(id);
  }
}

const EMPTY = Buffer.alloc(0);

/** Why an id past `last` cannot be continued from, for the error's message. */
export const pastTheEnd = (last: number, ended: boolean) =>
  `${ended ? "the answer ended" : "the answer is"} at event ${last}, so that event was never sent`;

/** Appends `text` as UTF-8, doubling the buffer when it is full. */
function write(log: Log, text: string): void {
  // A UTF-16 code unit is at most 3 bytes of UTF-8: the exact length is counted only near the end.
  if (log.size + text.length * 3 > log.data.length) {
    const need = log.size + Buffer.byteLength(text, "utf8");
    if (need > log.data.length) resize(log, Math.max(FIRST_CAPACITY, need, log.data.length * 2));
  }
  log.size += log.data.write(text, log.size, "utf8");
}

function resize(log: Log, capacity: number): void {
  const data = Buffer.allocUnsafe(capacity);
  log.data.copy(data, 0, 0, log.size);
  log.data = data;
}

/**
 * Yields every frame written and not yet read as one string: one write to the socket per wake-up, not
 * per token. Only a burst that holds `afterSeq` itself is cut.
 */
async function* follow(log: Log, afterSeq: number, signal: AbortSignal): AsyncGenerator<string> {
  log.readers++;
  let next = 0;
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const end = log.lasts.length;
      // The entries already read, or all at or before afterSeq: skipped whole.
      while (next < end && log.lasts[next]! <= afterSeq) next++;
      if (next < end) {
        const from = next === 0 ? 0 : log.ends[next - 1]!;
        const first = next === 0 ? 1 : log.lasts[next - 1]! + 1;
        let out: string;
        if (first > afterSeq) {
          out = log.data.toString("utf8", from, log.size);
        } else {
          // The entry that holds afterSeq is cut after it; the ones after it are whole.
          const cutEnd = log.ends[next]!;
          out = framesAfter(log.data.toString("utf8", from, cutEnd), first, afterSeq) + log.data.toString("utf8", cutEnd, log.size);
        }
        next = end;
        yield out;
        continue;
      }
      if (log.ended || signal.aborted) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
        log.wake.add(resolve);
      });
    }
  } finally {
    if (wake) log.wake.delete(wake);
    signal.removeEventListener("abort", onAbort);
    log.readers--;
  }
}
