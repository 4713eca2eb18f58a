import type { Heartbeat } from "./heartbeat.ts";
import { SSE_HEADERS, encodeComment } from "./sse.ts";

const encoder = new TextEncoder();

export interface SseResponseOptions {
  /** Pre-formatted SSE frames, ending when the answer ends. */
  frames: AsyncIterable<string>;
  heartbeat: Heartbeat;
  /** The request: its abort signal is one of the two ways a disconnect is noticed. */
  req: Request;
  /** Aborted when this connection closes, for whatever reason; the frame source stops with it. */
  reader: AbortController;
  headers?: Record<string, string>;
  /** Called exactly once when this connection ends (finished, cancelled or disconnected). */
  onClose: () => void;
}

/**
 * One client's connection to an answer: frames → bytes, with `: ok` at once (flushes headers through
 * proxies) and `: ping` while silent. Pull-based, so a slow reader is never buffered for here.
 */
export function sseResponse(o: SseResponseOptions): Response {
  const iterator = o.frames[Symbol.asyncIterator]();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  const beat = { lastWrite: performance.now(), ping: () => write(encodeComment("ping")) };
  const write = (bytes: Uint8Array) => {
    if (closed) return;
    beat.lastWrite = performance.now();
    controller.enqueue(bytes);
  };
  const close = () => {
    if (closed) return;
    closed = true;
    o.heartbeat.delete(beat);
    o.reader.abort();
    void iterator.return?.()?.catch(() => {});
    o.onClose();
  };
  // `request.signal` and `cancel()` have each failed to fire in some Bun releases (oven-sh/bun #4517,
  // #6758, #28636): either one closes the connection.
  o.req.signal.addEventListener("abort", close, { once: true });

  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      o.heartbeat.add(beat);
      write(encodeComment("ok"));
    },
    async pull() {
      try {
        const { value, done } = await iterator.next();
        if (!done) return write(encoder.encode(value));
      } catch {
        // The frame source failed: nothing more this connection can say.
      }
      if (closed) return;
      close();
      try {
        controller.close();
      } catch {
        // already cancelled
      }
    },
    cancel: close,
  });
  return new Response(body, { headers: { ...SSE_HEADERS, ...o.headers } });
}
