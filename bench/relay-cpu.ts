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

/**
 * The Responses API's stream of the same answer (OpenAI's framing: `event:` lines, `type` and
 * `sequence_number` first, `obfuscation` on each delta), read by `ResponsesReader`: half the tokens as
 * a reasoning summary, or content only. Each event is longer than a Chat chunk and parsed in full.
 */
const rEvent = (type: string, fields: object) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: 1, ...fields })}\n\n`;
const rHead = rEvent("response.created", { response: { id: "resp_bench", object: "response", created_at: 1, status: "in_progress", model: "gpt-5-mini-2025-08-07", output: [], usage: null } });
const rText = (w: string) => rEvent("response.output_text.delta", { item_id: "msg_68b1c0ffee", output_index: 1, content_index: 0, delta: w, logprobs: [], obfuscation: "q3ZxK9" });
const rSummary = (w: string) => rEvent("response.reasoning_summary_text.delta", { item_id: "rs_68b1c0ffee", output_index: 0, summary_index: 0, delta: w, obfuscation: "q3ZxK9" });
const rTail = rEvent("response.completed", { response: { id: "resp_bench", status: "completed", model: "gpt-5-mini-2025-08-07", usage: { input_tokens: 9, input_tokens_details: { cached_tokens: 0 }, output_tokens: TOKENS, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 9 + TOKENS } } });
const RESPONSES_SHAPES: Record<string, string> = {
  "content only (Responses)": rHead + words.map(rText).join("") + rTail,
  "summary then content (Responses)": rHead + words.map((w, i) => (i < TOKENS / 2 ? rSummary(w) : rText(w))).join("") + rTail,
};
/** The same Responses body through the SDK's own iterator (`Stream`), into the same frames: the alternative we measured. */
const SDK_ITERATOR = "content only (Responses, SDK iterator)";

interface Relay {
  name: string;
  ChunkRelay: new () => { endOfRead(): { text: string } | undefined };
  /** Absent in checkouts from before the Responses API. */
  ResponsesRelay?: new () => { endOfRead(): { text: string } | undefined };
  readUpstreamEvents: (body: ReadableStream<Uint8Array>, sink: never) => AsyncGenerator<{ text: string } | undefined>;
}
/** The chunk reader and the frames it writes into, from a checkout of this layout or of the one before it. */
async function load(name: string, root: string): Promise<Relay> {
  const has = (path: string) => Bun.file(join(root, path)).exists();
  if (await has("src/upstream/chunk-reader.ts")) {
    const { ChunkReader } = await import(join(root, "src/upstream/chunk-reader.ts"));
    const { AnswerFrames } = await import(join(root, "src/wire/answer-frames.ts"));
    const { readUpstreamEvents } = await import(join(root, "src/upstream/sse-parser.ts"));
    const responses = (await has("src/upstream/responses-reader.ts")) ? await import(join(root, "src/upstream/responses-reader.ts")) : undefined;
    const ResponsesRelay = responses && class extends responses.ResponsesReader { constructor() { super(new AnswerFrames()); } };
    const ChunkRelay = class extends ChunkReader { constructor() { super(new AnswerFrames()); } } as unknown as Relay["ChunkRelay"];
    return { name, ChunkRelay, ResponsesRelay, readUpstreamEvents };
  }
  // The layout before the restructure (src/chat/), for an A/B against an older checkout.
  const old = (await import(join(root, "src/chat/chunk-relay.ts"))) as unknown as Pick<Relay, "ChunkRelay">;
  const { readUpstreamEvents } = await import(join(root, "src/chat/sse-data.ts"));
  return { name, ChunkRelay: old.ChunkRelay, readUpstreamEvents };
}
const relays = [await load("this checkout", join(import.meta.dir, "..")), ...(againstDir ? [await load(`against ${againstDir}`, againstDir)] : [])];

async function relayOnce(r: Relay, bytes: Uint8Array, shape: string): Promise<number> {
  if (shape === SDK_ITERATOR) return sdkIteratorOnce(bytes);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(bytes);
      c.close();
    },
  });
  let length = 0;
  const Reader = shape in RESPONSES_SHAPES ? r.ResponsesRelay! : r.ChunkRelay;
  for await (const burst of r.readUpstreamEvents(body, new Reader() as never)) if (burst) length += burst.text.length;
  return length;
}

const { Stream } = await import("openai/core/streaming");
const { AnswerFrames } = await import(join(import.meta.dir, "..", "src/wire/answer-frames.ts"));
/** The SDK's own reader of a Responses stream: a parsed event per token, each delta handed to the frames. */
async function sdkIteratorOnce(bytes: Uint8Array): Promise<number> {
  const frames = new AnswerFrames();
  const events = Stream.fromSSEResponse<{ type: string; delta?: string }>(new Response(bytes as Uint8Array<ArrayBuffer>), new AbortController());
  let length = 0;
  for await (const e of events) {
    if (e.type === "response.output_text.delta") frames.content(e.delta!);
    else if (e.type === "response.reasoning_summary_text.delta") frames.reasoning(e.delta!);
    else continue;
    // One burst per event: the iterator yields each event on its own turn.
    length += frames.take()!.text.length;
  }
  return length;
}

const results = new Map<Relay, Record<string, number[]>>(relays.map((r) => [r, {}]));
for (let round = 0; round < rounds; round++) {
  // Alternate which checkout goes first: on this VM the second slot of a pair reads a few % better.
  const order = round % 2 === 0 ? relays : [...relays].reverse();
  const shapes = { ...SHAPES, ...(relays.every((r) => r.ResponsesRelay) && RESPONSES_SHAPES), [SDK_ITERATOR]: RESPONSES_SHAPES["content only (Responses)"]! };
  for (const [name, text] of Object.entries(shapes)) {
    if (only && !name.includes(only)) continue;
    const bytes = new TextEncoder().encode(text);
    for (const r of order) {
      if (name === SDK_ITERATOR && r !== relays[0]) continue;
      for (let i = 0; i < 200; i++) await relayOnce(r, bytes, name); // warm-up
      Bun.gc(true);
      const start = process.cpuUsage();
      for (let i = 0; i < answers; i++) await relayOnce(r, bytes, name);
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
