/**
 * Every recorded-shape upstream transcript (test/upstream/transcripts/, one file per server) through the
 * REAL relay, with the upstream's bytes cut into random pieces: the browser must see exactly the answer,
 * the reasoning, the finish (or the error) each server meant, whatever the server's dialect and wherever
 * the reads split. Then a fuzz test of the escapes and framings the fast path must hand to the exact parse.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { createParser } from "eventsource-parser";
import { type ChatServer, startChat } from "../support/chat-server.ts";
import { type Cut, prng, startTranscriptServer, type TranscriptServer } from "./transcript-server.ts";
import type { Transcript } from "./transcripts/types.ts";

const dir = join(import.meta.dir, "transcripts");
const transcripts: Transcript[] = [];
for (const file of readdirSync(dir).sort()) {
  if (!file.endsWith(".ts") || file === "types.ts") continue;
  transcripts.push(((await import(join(dir, file))) as { default: Transcript }).default);
}

let upstream: TranscriptServer;
let chat: ChatServer;

beforeAll(async () => {
  upstream = startTranscriptServer();
  chat = await startChat({ env: { OPENAI_BASE_URL: upstream.baseURL, OPENAI_API_KEY: "sk-test" } });
}, 30_000);

afterAll(async () => {
  await chat?.stop();
  await upstream?.stop();
}, 30_000);

/** What the browser makes of the relay's answer. */
interface Seen {
  raw: string;
  content: string;
  reasoning: string;
  ids: string[];
  finish: Record<string, unknown> | undefined;
  error: { message: string; type: string; status: number } | undefined;
  done: boolean;
  /** Content frames whose bytes are not exactly `id: N\ndata: {"content":"…"}`. */
  badContentFrames: string[];
  unknownEvents: string[];
}

/** POSTs one chat and reads the whole answer with a spec-exact SSE parser, as our client does. */
async function ask(): Promise<Seen> {
  const res = await fetch(`${chat.url}/api/chat`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  const seen: Seen = {
    raw: "",
    content: "",
    reasoning: "",
    ids: [],
    finish: undefined,
    error: undefined,
    done: false,
    badContentFrames: [],
    unknownEvents: [],
  };
  const parser = createParser({
    onEvent(e) {
      if (e.id !== undefined) seen.ids.push(e.id);
      if (e.event === undefined && e.data === "[DONE]") seen.done = true;
      else if (e.event === undefined) {
        const frame = JSON.parse(e.data) as { content: string };
        seen.content += frame.content;
      } else if (e.event === "reasoning") {
        const r = JSON.parse(e.data) as { reasoning: string; content_was_reasoning?: boolean };
        // The relay learned late (a lone </think>) that the content so far was reasoning: the client moves it.
        if (r.content_was_reasoning) {
          seen.reasoning += seen.content;
          seen.content = "";
        }
        seen.reasoning += r.reasoning;
      } else if (e.event === "finish") seen.finish = JSON.parse(e.data);
      else if (e.event === "error") seen.error = JSON.parse(e.data);
      else seen.unknownEvents.push(`${e.event}: ${e.data}`);
    },
  });
  const dec = new TextDecoder();
  for await (const chunk of res.body!) {
    const text = dec.decode(chunk, { stream: true });
    seen.raw += text;
    parser.feed(text);
  }
  // The bytes of every content frame: exactly an id and one JSON object whose only key is `content`.
  for (const block of seen.raw.split("\n\n")) {
    const lines = block.split("\n").filter((l) => l !== "" && !l.startsWith(":"));
    if (lines.length === 0 || lines.some((l) => l.startsWith("event:"))) continue;
    const data = lines.filter((l) => l.startsWith("data:"));
    if (data.length === 1 && data[0] === "data: [DONE]") continue;
    let ok = lines.length === 2 && /^id: \d+$/.test(lines[0]!) && data.length === 1 && data[0]!.startsWith("data: {");
    if (ok) {
      try {
        const v: unknown = JSON.parse(data[0]!.slice(6));
        ok = typeof v === "object" && v !== null && Object.keys(v).join() === "content" && typeof (v as { content: unknown }).content === "string";
      } catch {
        ok = false;
      }
    }
    if (!ok) seen.badContentFrames.push(block);
  }
  return seen;
}

/** Runs `body` through the relay cut as `cut` says; fails with what differs from `want`. */
async function check(name: string, body: string, cut: Cut, want: Transcript["expect"]): Promise<void> {
  const before = upstream.requests.length;
  upstream.next(body, cut);
  const seen = await ask();
  const where = `${name} (seed ${cut.seed}, pieces of 1..${cut.maxPiece} bytes)`;
  expect(upstream.requests.length - before, `${where}: upstream requests`).toBe(1);
  expect(seen.badContentFrames, `${where}: content frames that are not {"content": string} alone`).toEqual([]);
  expect(seen.unknownEvents, `${where}: unknown events`).toEqual([]);
  expect(seen.ids, `${where}: event ids`).toEqual(seen.ids.map((_, i) => String(i + 1)));
  if (want.finish) {
    expect(seen.error, `${where}: error event`).toBeUndefined();
  }
  expect(seen.content, `${where}: content`).toBe(want.content);
  expect(seen.reasoning.trim(), `${where}: reasoning`).toBe(want.reasoning.trim());
  if (want.finish) {
    expect(seen.finish, `${where}: finish event`).toBeDefined();
    const f = seen.finish!;
    expect(f.finish_reason, `${where}: finish_reason`).toBe(want.finish.finish_reason);
    expect(f.model, `${where}: finish model`).toBe(want.finish.model);
    if (want.finish.refusal) expect(f.refusal, `${where}: finish refusal`).toBe(true);
    else expect(f.refusal ?? false, `${where}: finish refusal`).toBe(false);
    if (want.finish.reasoning_tokens !== undefined) {
      const usage = f.usage as { completion_tokens_details?: { reasoning_tokens?: number }; reasoning_tokens?: number } | undefined;
      const tokens = usage?.completion_tokens_details?.reasoning_tokens ?? usage?.reasoning_tokens ?? f.reasoning_tokens;
      expect(tokens, `${where}: reasoning tokens`).toBe(want.finish.reasoning_tokens);
    }
    expect(seen.done, `${where}: [DONE]`).toBe(true);
  } else {
    expect(seen.error, `${where}: error event`).toBeDefined();
    if (want.error?.type) expect(seen.error!.type, `${where}: error type`).toBe(want.error.type);
    if (want.error?.messageIncludes) expect(seen.error!.message, `${where}: error message`).toContain(want.error.messageIncludes);
    expect(seen.finish, `${where}: finish after an error`).toBeUndefined();
    expect(seen.done, `${where}: [DONE] after an error`).toBe(false);
  }
}

const hash = (s: string) => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0, 7);

describe("upstream transcripts through the relay", () => {
  test("the corpus has every server", () => {
    expect(transcripts.map((t) => t.name).sort()).toEqual(
      [
        "azure-foundry-deepseek",
        "azure-openai",
        "deepseek",
        "groq",
        "inline-think",
        "inline-think-mistral",
        "litellm",
        "llama-cpp-python",
        "llamacpp",
        "mistral",
        "ollama",
        "openai",
        "openai-n2",
        "openai-refusal",
        "openrouter",
        "perplexity",
        "qwen-dashscope",
        "qwen3-lone-close",
        "tgi",
        "together",
        "vllm",
        "vllm-error",
        "vllm-reasoning-content",
        "xai",
      ].sort(),
    );
    for (const t of transcripts) {
      expect(t.source.length, t.name).toBeGreaterThan(10);
      const events = t.body.split(/\r\n\r\n|\n\n|\r\r/).filter((e) => e !== "").length;
      expect(events, `${t.name}: events`).toBeGreaterThanOrEqual(5);
      expect(events, `${t.name}: events`).toBeLessThanOrEqual(15);
    }
  });

  for (const t of transcripts) {
    test(
      t.name,
      async () => {
        const seed = hash(t.name);
        // Byte at a time, then small and mid-size random pieces: every cut lands somewhere new.
        for (const cut of [
          { seed, maxPiece: 1 },
          { seed: seed + 1, maxPiece: 9 },
          { seed: seed + 2, maxPiece: 120 },
        ]) {
          await check(t.name, t.body, cut, t.expect);
        }
      },
      60_000,
    );
  }
});

// ---- fuzz: the openai transcript with content tokens that need the exact parse ----

/** Text that stresses escapes: quotes, backslashes, controls, line separators, astral characters. */
const TOKEN_PARTS = [
  "Hello", " world", '"quoted"', "back\\slash", "\\n literal", "\n", "\r\n", "\t", " ", "  ", "é", "日本",
  "😀", "👩‍💻", "\u2028", "\u2029", "\u0000", "\u001f", "\u007f", "</script>", "a/b", "{\"json\":1}",
  "data: not an event", ": not a comment", "[DONE]", "id: 9", "\ufeff", "\ud7ff", "\ue000", "ﬀ",
];

/** JSON string literal of `s`, written as some real encoder would (all of them are valid JSON). */
function literal(s: string, rand: () => number): string {
  const style = Math.floor(rand() * 4);
  const min = JSON.stringify(s);
  if (style === 0) return min; // JavaScript / Go-without-HTML-escape / serde
  if (style === 1) return min.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`); // Python ensure_ascii
  if (style === 2) return min.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`); // Go encoding/json
  // Every character of the value as an upper-case \u escape, '/' as '\/': legal, if no encoder's default.
  return `"${[...s]
    .flatMap((ch) => (ch.length === 2 ? [ch[0]!, ch[1]!] : [ch]))
    .map((c) => (c === "/" ? "\\/" : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`))
    .join("")}"`;
}

function fuzzBody(seed: number): { body: string; content: string } {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const model = "gpt-4o-mini-2024-07-18";
  const tokens: string[] = [];
  // Never starts with something a think-tag rule would touch: first token is plain text.
  tokens.push("Start");
  for (let i = 0, n = 5 + Math.floor(rand() * 10); i < n; i++) {
    let tok = "";
    for (let j = 0, m = 1 + Math.floor(rand() * 3); j < m; j++) tok += pick(TOKEN_PARTS);
    tokens.push(tok);
  }
  let body = "";
  const event = (data: string) => {
    const eol = pick(["\n", "\n", "\r\n", "\r"]);
    if (rand() < 0.2) body += `: ping${eol}`;
    body += `${rand() < 0.3 ? "data:" : "data: "}${data}${eol}${eol}`;
  };
  const chunk = (delta: string, finish: string) => {
    const spaced = rand() < 0.3; // Python's json.dumps: ", " and ": "
    const j = (s: string) => (spaced ? s.replace(/":/g, '": ').replace(/,"/g, ', "') : s);
    // The structure is spaced; the values (already literals) are inserted after, untouched.
    const head = j(`{"id":"chatcmpl-fz","object":"chat.completion.chunk","created":1756748000,"model":"${model}","choices":[{"index":0,"delta":`);
    return `${head}${delta}${j(`,"logprobs":null,"finish_reason":${finish}}]}`)}`;
  };
  event(chunk('{"role":"assistant","content":"","refusal":null}', "null"));
  let content = "";
  for (const tok of tokens) {
    const lit = literal(tok, rand);
    content += JSON.parse(lit) as string;
    const sp = rand() < 0.3 ? " " : "";
    event(chunk(`{"content":${sp}${lit}}`, "null"));
  }
  event(chunk("{}", '"stop"'));
  event("[DONE]");
  return { body, content };
}

describe("fuzz: escapes and framings through the relay", () => {
  test(
    "content equals JSON.parse's view of every token",
    async () => {
      for (let seed = 1; seed <= 8; seed++) {
        const { body, content } = fuzzBody(seed);
        const maxPiece = [1, 2, 5, 17, 64, 300, 4096, 3][seed - 1]!;
        await check("fuzz", body, { seed: seed * 101, maxPiece }, {
          content,
          reasoning: "",
          finish: { finish_reason: "stop", model: "gpt-4o-mini-2024-07-18" },
        });
      }
    },
    120_000,
  );
});
