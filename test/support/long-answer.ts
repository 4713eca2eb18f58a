/** A long, realistic markdown answer for the fake upstream to stream (benchmark and browser tests). */
import { fakeTokens } from "./fake-openai.ts";

/** One section of a technical answer: ~330 tokens of what models write. */
function section(n: number): string {
  return `## Step ${n}: wiring the relay

The relay reads the upstream's stream and forwards each **content delta** as one \`data:\` event. Nothing is
buffered past the current chunk, so the first token reaches the page as soon as the model sends it; see the
[streaming guide](https://example.com/docs/streaming#step-${n}) for the details of how back-pressure holds.
When a reader disconnects, the upstream request is *cancelled* at once and the bill stops there.

- Open the stream with \`fetch\` and read it with a \`TextDecoder\`
- Split on blank lines; a \`data:\` line may arrive in two chunks
- Keep the last event id, so a reload can re-attach where it left off
- Close on \`[DONE]\`, and treat a socket that ends early as an error

1. Start the server with \`OPENAI_BASE_URL\` pointing at the model server
2. Send a message and watch the first token arrive
3. Stop it halfway and check the upstream saw the cancel

\`\`\`ts
export async function relay${n}(req: Request, upstream: URL): Promise<Response> {
  const controller = new AbortController();
  req.signal.addEventListener("abort", () => controller.abort(), { once: true });
  const res = await fetch(upstream, { method: "POST", body: req.body, signal: controller.signal });
  if (!res.ok || !res.body) return Response.json({ error: res.statusText }, { status: 502 });
  const events = res.body.pipeThrough(new TextDecoderStream()).pipeThrough(splitEvents());
  return new Response(events.pipeThrough(new TextEncoderStream()), {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache" },
  });
}
\`\`\`

| setting | default | what it changes |
| --- | --- | --- |
| \`CHAT_HEARTBEAT_MS\` | 4000 | silence before a ping comment keeps the stream open |
| \`CHAT_RESUME_GRACE_S\` | 30 | how long an answer goes on without a reader |
| \`CHAT_MAX_STREAMS\` | 20000 | concurrent answers before new ones get 429 |
| \`CHAT_UPSTREAM_RETRIES\` | 2 | retries before the first token only |

> Measure before tuning: step ${n} is rarely where the time goes.

`;
}

/** A long fence (one block that stays open for a while as it streams): ~2,400 tokens. */
export function longFence(): string {
  const lines = Array.from(
    { length: 240 },
    (_, i) => `  const value${i} = await store.get("key-${i}") ?? defaults[${i % 7}]; // line ${i}`,
  );
  return `Here is the whole migration script in one piece:\n\n\`\`\`ts\nasync function migrate(store: Store) {\n${lines.join("\n")}\n}\n\`\`\`\n\n`;
}

/** The answer's markdown: sections (and the long fence a third of the way in) up to `tokens` tokens. */
export function longAnswer(tokens: number): string {
  let text = "# Building a streaming chat relay\n\nThis guide walks through every part of the relay, step by step.\n\n";
  let n = 1;
  const count = (t: string) => fakeTokens({ tokens: 0, text: t }).length;
  let fenced = false;
  while (count(text) < tokens) {
    text += section(n++);
    if (!fenced && count(text) > tokens / 3) {
      text += longFence();
      fenced = true;
    }
  }
  return `${text}That is the whole relay: the last paragraph of a long answer.`;
}

