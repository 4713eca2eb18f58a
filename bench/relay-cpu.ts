/**
 * The relay's own per-event cost, in process: an upstream body (200-token answers, as the throughput
 * phase sends them, one network read per answer) through `readUpstreamEvents` and `ChunkReader` into
 * `AnswerFrames`' wire bursts, with nothing else running in the process. The server-level figures (`run.ts`) include
 * Bun.serve, the SDK and the sockets, and on a shared 2-core VM drift by 2×; this one does not, so a
 * change to the chunk reader is judged here first. `--against DIR` loads the same modules from another
 * checkout (a `git worktree` of the base) and interleaves the two round by round, in the same process.
 *
 *   bun bench/relay-cpu.ts [--rounds 7] [--answers 3000] [--against /tmp/wt-base] [--only "content only"]
 */
import { join, resolve } from "node:path";

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const rounds = option("--rounds", 7);
/** Only the shapes whose name contains this (e.g. `--only content` for content only). */
const only = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const againstDir = args.includes("--against") ? resolve(args[args.indexOf("--against") + 1]!) : undefined;
const answers = option("--answers", 3000);
const TOKENS = 200;

const chunk = (model: string, delta: object, finish: string | null = null, usage: unknown = null) =>
  `data: ${JSON.stringify({ id: "chatcmpl-bench", object: "chat.completion.chunk", created: 1, model, system_fingerprint: "fp_bench", choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], usage })}\n\n`;
const words = Array.from({ length: TOKENS }, (_, i) => (i === 0 ? "Token0" : ` token${i}`));
const tail = (model: string) => chunk(model, {}, "stop") + `data: ${JSON.stringify({ id: "chatcmpl-bench", choices: [], usage: { prompt_tokens: 9, completion_tokens: TOKENS, total_tokens: 9 + TOKENS } })}\n\n` + "data: [DONE]\n\n";

/** The answers measured: each is one upstream body of TOKENS events. */
const SHAPES: Record<string, string> = {
  // OpenAI's own chunks (the throughput phase's shape): content only.
  "content only (OpenAI)": chunk("gpt", { role: "assistant", content: "", refusal: null }) + words.map((w) => chunk("gpt", { content: w })).join("") + tail("gpt"),
  // DeepSeek: half the tokens reasoning (`content: null`), then content with `reasoning_content: null`.
  "reasoning then content (DeepSeek)":
    chunk("ds", { role: "assistant", content: null, reasoning_content: "" }) +
    words.map((w, i) => chunk("ds", i < TOKENS / 2 ? { content: null, reasoning_content: w } : { content: w, reasoning_content: null })).join("") +
    tail("ds"),
  // Ollama / vLLM / Groq: `reasoning`, then plain content.
  "reasoning then content (Ollama)":
    chunk("q", { role: "assistant", content: "" }) + words.map((w, i) => chunk("q", i < TOKENS / 2 ? { content: "", reasoning: w } : { content: w })).join("") + tail("q"),
  // Inline tags: `<think>` … `</think>` in the content.
  "think tags then content": chunk("r1", { role: "assistant", content: "" }) + words.map((w, i) => chunk("r1", { content: i === 0 ? `<think>${w}` : i === TOKENS / 2 ? `</think>${w}` : w })).join("") + tail("r1"),
};

interface Relay {
  name: string;
  ChunkRelay: new () => { endOfRead(): { text: string } | undefined };
  readUpstreamEvents: (body: ReadableStream<Uint8Array>, sink: never) => AsyncGenerator<{ text: string } | undefined>;
}
/** The chunk reader and the frames it writes into, from a checkout of this layout or of the one before it. */
async function load(name: string, root: string): Promise<Relay> {
  const has = (path: string) => Bun.file(join(root, path)).exists();
  if (await has("src/upstream/chunk-reader.ts")) {
    const { ChunkReader } = await import(join(root, "src/upstream/chunk-reader.ts"));
    const { AnswerFrames } = await import(join(root, "src/wire/answer-frames.ts"));
    const { readUpstreamEvents } = await import(join(root, "src/upstream/sse-parser.ts"));
    return { name, ChunkRelay: class extends ChunkReader { constructor() { super(new AnswerFrames()); } }, readUpstreamEvents };
  }
  const { ChunkRelay } = await import(join(root, "src/chat/chunk-relay.ts"));
  const { readUpstreamEvents } = await import(join(root, "src/chat/sse-data.ts"));
  return { name, ChunkRelay, readUpstreamEvents };
}
const relays = [await load("this checkout", join(import.meta.dir, "..")), ...(againstDir ? [await load(`against ${againstDir}`, againstDir)] : [])];

async function relayOnce(r: Relay, bytes: Uint8Array): Promise<number> {
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  let length = 0;
  for await (const burst of r.readUpstreamEvents(body, new r.ChunkRelay() as never)) if (burst) length += burst.text.length;
  return length;
}

const results = new Map<Relay, Record<string, number[]>>(relays.map((r) => [r, {}]));
for (let round = 0; round < rounds; round++) {
  // Alternate which checkout goes first: on this VM the second slot of a pair reads a few % better.
  const order = round % 2 === 0 ? relays : [...relays].reverse();
  for (const [name, text] of Object.entries(SHAPES)) {
    if (only && !name.includes(only)) continue;
    const bytes = new TextEncoder().encode(text);
    for (const r of order) {
      for (let i = 0; i < 200; i++) await relayOnce(r, bytes); // warm-up
      Bun.gc(true);
      const start = process.cpuUsage();
      for (let i = 0; i < answers; i++) await relayOnce(r, bytes);
      const used = process.cpuUsage(start);
      (results.get(r)![name] ??= []).push(((used.user + used.system) * 1000) / (answers * TOKENS));
    }
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`| relay | shape | ns CPU per event (median of ${rounds}) | range | ÷ content only |`);
console.log("|---|---|---:|---|---:|");
for (const [r, byShape] of results) {
  const base = median(byShape["content only (OpenAI)"] ?? [NaN]);
  for (const [name, xs] of Object.entries(byShape)) {
    const m = median(xs);
    console.log(`| ${r.name} | ${name} | ${m.toFixed(0)} | ${Math.min(...xs).toFixed(0)} – ${Math.max(...xs).toFixed(0)} | ${(m / base).toFixed(2)} |`);
  }
}
