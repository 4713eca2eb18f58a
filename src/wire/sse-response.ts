import type { Heartbeat } from "./heartbeat.ts";
import { SSE_HEADERS, formatComment } from "./sse.ts";

const OK = formatComment("ok");
const PING = formatComment("ping");

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
 * proxies) and `: ping` while silent. A direct stream (Bun's own kind): strings go to the socket with
 * no queue and no encoding pass in between, a burst of frames per write, and awaiting each write keeps
 * a slow reader from being buffered for here.
 */
export function sseResponse(o: SseResponseOptions): Response {
  const iterator = o.frames[Symbol.asyncIterator]();
  let controller: ReadableStreamDirectController | undefined;
  let closed = false;
  const write = (text: string): number | Promise<number> | undefined => {
    if (closed || !controller) return undefined;
    beat.lastWrite = performance.now();
    const written = controller.write(text);
    controller.flush();
    return written;
  };
  const beat = { lastWrite: performance.now(), ping: () => void write(PING) };
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

  const source: Bun.DirectUnderlyingSource = {
    type: "direct",
    async pull(c) {
      controller = c;
      o.heartbeat.add(beat);
      write(OK);
      try {
        for (;;) {
          const { value, done } = await iterator.next();
          if (done || closed) break;
          await write(value);
        }
      } catch {
        // The frame source (or the socket) failed: nothing more this connection can say.
      }
      if (closed) return;
      close();
      c.close();
    },
    cancel: close,
  };
  // The DOM lib (the client shares this tsconfig) hides Bun's direct-stream overload of the constructor.
  return new Response(new ReadableStream(source as unknown as UnderlyingDefaultSource<Uint8Array>), { headers: { ...SSE_HEADERS, ...o.headers } });
}
