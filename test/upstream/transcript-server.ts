/** A small deterministic PRNG (mulberry32): the same seed always cuts a body the same way. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How the next answer is cut: pieces of 1..maxPiece bytes (1: every byte alone), chosen by `seed`. */
export interface Cut {
  seed: number;
  maxPiece: number;
}

/** `bytes` cut into pieces as `cut` says. */
export function pieces(bytes: Uint8Array, cut: Cut): Uint8Array[] {
  const rand = prng(cut.seed);
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = Math.max(1, Math.min(bytes.length - at, 1 + Math.floor(rand() * cut.maxPiece)));
    out.push(bytes.subarray(at, at + size));
    at += size;
  }
  return out;
}

export interface TranscriptServer {
  /** The API root to give the relay as OPENAI_BASE_URL. */
  baseURL: string;
  /** What the next POST /v1/chat/completions answers with. */
  next(body: string, cut: Cut): void;
  /** Request bodies received, in order. */
  requests: unknown[];
  stop(): Promise<void>;
}

/**
 * A fake OpenAI-compatible upstream on 127.0.0.1 that answers POST /v1/chat/completions with a recorded
 * transcript's exact bytes, written in pieces with a pause after each write (a flush, then a timer or a
 * macrotask yield), so that the relay's reads really split inside lines, JSON and UTF-8 sequences.
 */
export function startTranscriptServer(): TranscriptServer {
  let current: { body: Uint8Array; cut: Cut } | undefined;
  const requests: unknown[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const url = new URL(req.url);
      if (req.method === "GET" && url.pathname === "/v1/models") {
        return Response.json({ object: "list", data: [{ id: "test-model", object: "model", created: 0, owned_by: "test" }] });
      }
      if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") return new Response("not found", { status: 404 });
      requests.push(await req.json());
      if (!current) return Response.json({ error: { message: "no transcript set", type: "server_error" } }, { status: 500 });
      const { body, cut } = current;
      current = undefined;
      const parts = pieces(body, cut);
      // Byte-at-a-time runs yield a macrotask per write (1 ms timers would take seconds per transcript).
      const pause = cut.maxPiece === 1 ? () => new Promise<void>((r) => setImmediate(r)) : () => Bun.sleep(1);
      const source: Bun.DirectUnderlyingSource = {
        type: "direct",
        async pull(controller) {
          for (const part of parts) {
            controller.write(part);
            await controller.flush();
            await pause();
          }
          controller.close();
        },
      };
      // bun-types has no ReadableStream overload for a direct source (src/wire/sse-response.ts casts the same way).
      return new Response(new ReadableStream(source as unknown as UnderlyingDefaultSource<Uint8Array>), {
        headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache" },
      });
    },
  });
  return {
    baseURL: `http://127.0.0.1:${server.port}/v1`,
    next(body, cut) {
      current = { body: new TextEncoder().encode(body), cut };
    },
    requests,
    async stop() {
      await server.stop(true);
    },
  };
}
