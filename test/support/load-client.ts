/**
 * Runs N concurrent chats against a server and prints a JSON summary. A separate process because
 * Bun's fetch in the test runner itself is capped at 256 concurrent requests
 * (BUN_CONFIG_MAX_HTTP_REQUESTS must be set before a process starts).
 * Usage: bun test/support/load-client.ts <url> <n> <message>
 */
import { postChat, readSse, userSays } from "./sse.ts";

const [url, n, message] = process.argv.slice(2) as [string, string, string];
const texts = await Promise.all(
  Array.from({ length: Number(n) }, async () => {
    const res = await postChat(url, userSays(message));
    if (res.status !== 200) return `HTTP ${res.status}: ${await res.text()}`;
    const s = await readSse(res);
    return s.done ? s.text : `not done: ${JSON.stringify(s.error)}`;
  }),
);
const counts: Record<string, number> = {};
for (const t of texts) counts[t] = (counts[t] ?? 0) + 1;
console.log(JSON.stringify(counts));
