/**
 * The floor with the openai SDK: `floor.ts` exactly, except that the upstream is called the way the
 * product must call it (`client.chat.completions.create(…).asResponse()`, the body then read as raw
 * bytes, as `src/upstream/stream-completion.ts` does). The least a relay built to this project's fixed shape can
 * cost: a target this misses cannot be met by any relay that uses the SDK. Bench-only.
 *
 * Usage: PORT=0 UPSTREAM=http://127.0.0.1:<port>/v1 bun bench/floor-sdk.ts  → prints `listening on <url>`.
 */
import OpenAI from "openai";
import { serveFloor } from "./floor-relay.ts";

// The product's client settings (src/upstream/stream-completion.ts): one client, its pool shared by every chat.
const client = new OpenAI({ apiKey: "bench", baseURL: process.env.UPSTREAM, timeout: 600_000, maxRetries: 2 });

serveFloor((messages, signal) =>
  client.chat.completions.create({ model: "gpt-fake", messages: messages as OpenAI.ChatCompletionMessageParam[], stream: true }, { signal }).asResponse(),
);
