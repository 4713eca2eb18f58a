import { type BufferLimits, type StreamStore, type StreamWriter, bufferFull } from "./store.ts";

interface Log {
  frames: string[];
  bytes: number;
  ended: boolean;
  readers: number;
  wake: Set<() => void>;
  stopListeners: Array<() => void>;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

/**
 * Generations' frames in this process: the default, with nothing to install. Sizes are counted in
 * UTF-16 code units (`string.length`), not encoded bytes: exact for ASCII, at most 3× under for other
 * text, and free, where Buffer.byteLength cost ~5% of the relay's CPU.
 */
export class MemoryStreamStore implements StreamStore {
  readonly #logs = new Map<string, Log>();
  readonly #limits: BufferLimits;
  #totalBytes = 0;

  constructor(limits: BufferLimits) {
    this.#limits = limits;
  }

  /** Bytes held across all generations (for tests and metrics). */
  get totalBytes(): number {
    return this.#totalBytes;
  }

  async create(id: string): Promise<StreamWriter> {
    const log: Log = { frames: [], bytes: 0, ended: false, readers: 0, wake: new Set(), stopListeners: [], expiry: undefined };
    this.#logs.set(id, log);
    const push = (frame: string) => {
      const size = frame.length;
      log.frames.push(frame);
      log.bytes += size;
      this.#totalBytes += size;
      // Each reader waits for one wake-up: the rest of a burst is already there when it runs.
      if (log.wake.size > 0) {
        for (const wake of log.wake) wake();
        log.wake.clear();
      }
    };
    return {
      append: (frame) => {
        if (log.ended) return;
        this.#checkLimits(log, frame);
        push(frame);
      },
      end: (...frames) => {
        if (log.ended) return;
        for (const frame of frames) push(frame);
        log.ended = true;
        log.expiry = setTimeout(() => this.#drop(id), this.#limits.ttlMs);
      },
      onStop: (listener) => void log.stopListeners.push(listener),
      hasReaders: async () => log.readers > 0,
    };
  }

  async read(id: string, afterSeq: number, signal: AbortSignal): Promise<AsyncIterable<string> | undefined> {
    const log = this.#logs.get(id);
    if (!log) return undefined;
    return follow(log, Math.max(0, afterSeq), signal);
  }

  async requestStop(id: string): Promise<boolean> {
    const log = this.#logs.get(id);
    if (!log) return false;
    if (!log.ended) for (const listener of log.stopListeners) listener();
    return true;
  }

  async close(): Promise<void> {
    for (const id of this.#logs.keys()) this.#drop(id);
  }

  #checkLimits(log: Log, frame: string): void {
    const { maxEventsPerStream, maxBytesPerStream, maxBytesTotal } = this.#limits;
    const size = frame.length;
    if (log.frames.length >= maxEventsPerStream) throw bufferFull(`it passed ${maxEventsPerStream} events`);
    if (log.bytes + size > maxBytesPerStream) throw bufferFull(`it passed ${maxBytesPerStream} bytes`);
    if (this.#totalBytes + size > maxBytesTotal) throw bufferFull("the server's buffer for all answers is full");
  }

  #drop(id: string): void {
    const log = this.#logs.get(id);
    if (!log) return;
    clearTimeout(log.expiry);
    this.#totalBytes -= log.bytes;
    this.#logs.delete(id);
  }
}

/** Yields every frame written and not yet read as one string: one write to the socket per burst, not per token. */
async function* follow(log: Log, afterSeq: number, signal: AbortSignal): AsyncGenerator<string> {
  log.readers++;
  let next = afterSeq;
  let wake: (() => void) | undefined;
  const onAbort = () => wake?.();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    for (;;) {
      const end = log.frames.length;
      if (next < end) {
        const burst = end - next === 1 ? log.frames[next]! : log.frames.slice(next, end).join("");
        next = end;
        yield burst;
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
