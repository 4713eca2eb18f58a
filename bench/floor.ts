/**
 * The floor: the least a relay can do on Bun, to measure `dist/chat` against. Bun.serve + `fetch`, no
 * SDK, no validation, a byte-level SSE rewrite (`floor-relay.ts`). Bench-only; never ship this.
 *
 * Usage: PORT=0 UPSTREAM=http://127.0.0.1:<port>/v1 bun bench/floor.ts  → prints `listening on <url>`.
 */
import { serveFloor } from "./floor-relay.ts";

const upstream = `${process.env.UPSTREAM}/chat/completions`;

serveFloor((messages, signal) =>
  fetch(upstream, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer bench" },
    body: JSON.stringify({ model: "gpt-fake", messages, stream: true }),
    signal,
  }),
);
