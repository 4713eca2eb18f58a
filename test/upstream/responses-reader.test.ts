/**
 * The Responses API reader on recorded shapes, each split at every byte (the network may cut a read
 * anywhere): the browser must get exactly the answer, the reasoning and the finish each server meant.
 * Shapes: openai-node's own fixtures (tests/lib/__snapshots__/ResponseStream.test.ts.snap: `data:`
 * lines only, a trailing `[DONE]`, raw `reasoning_text`), OpenAI's live framing (`event:` lines,
 * `type` first, summary parts, `obfuscation`), Ollama's (openai/responses.go: sorted keys, a summary
 * with no part events, `reasoning_tokens: 0`), and vLLM's gpt-oss (`response.reasoning_text.delta`).
 */
import { describe, expect, test } from "bun:test";
import { ResponsesReader, usageOf } from "../../src/upstream/responses-reader.ts";
import { readUpstreamEvents } from "../../src/upstream/sse-parser.ts";
import { AnswerFrames } from "../../src/wire/answer-frames.ts";

const sse = (events: object[], framed = true) =>
  events.map((e) => `${framed ? `event: ${(e as { type: string }).type}\n` : ""}data: ${JSON.stringify(e)}\n\n`).join("");

const created = (id: string, model: string) => ({ type: "response.created", sequence_number: 0, response: { id, object: "response", created_at: 1, model, status: "in_progress", output: [], usage: null } });
const usage = (input: number, output: number, reasoning: number) => ({ input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: output, output_tokens_details: { reasoning_tokens: reasoning }, total_tokens: input + output });
const completed = (id: string, model: string, u: object, extra: object = {}) => ({ type: "response.completed", response: { id, object: "response", model, status: "completed", usage: u, ...extra } });
const text = (delta: string, item = "msg_1", output_index = 1) => ({ type: "response.output_text.delta", sequence_number: 5, item_id: item, output_index, content_index: 0, delta, logprobs: [], obfuscation: "q3Zx" });
const summary = (delta: string, summary_index = 0, item = "rs_1") => ({ type: "response.reasoning_summary_text.delta", sequence_number: 4, item_id: item, output_index: 0, summary_index, delta, obfuscation: "a" });

/** OpenAI, as gpt-5-mini streams with `reasoning.summary: "auto"`: two summary parts, then the answer. */
const OPENAI = sse([
  created("resp_68b1", "gpt-5-mini-2025-08-07"),
  { type: "response.in_progress", sequence_number: 1, response: { id: "resp_68b1", status: "in_progress" } },
  { type: "response.output_item.added", sequence_number: 2, output_index: 0, item: { id: "rs_1", type: "reasoning", summary: [] } },
  { type: "response.reasoning_summary_part.added", sequence_number: 3, item_id: "rs_1", output_index: 0, summary_index: 0, part: { type: "summary_text", text: "" } },
  summary("**Finding a joke**\n\n"),
  summary("The user wants a joke – “short”."),
  { type: "response.reasoning_summary_text.done", item_id: "rs_1", output_index: 0, summary_index: 0, text: "**Finding a joke**\n\nThe user wants a joke – “short”." },
  { type: "response.reasoning_summary_part.added", item_id: "rs_1", output_index: 0, summary_index: 1, part: { type: "summary_text", text: "" } },
  summary("**Picking one**", 1),
  { type: "response.output_item.done", output_index: 0, item: { id: "rs_1", type: "reasoning", summary: [] } },
  { type: "response.output_item.added", output_index: 1, item: { id: "msg_1", type: "message", status: "in_progress", content: [], role: "assistant" } },
  { type: "response.content_part.added", item_id: "msg_1", output_index: 1, content_index: 0, part: { type: "output_text", annotations: [], text: "" } },
  text("Why"),
  text(" did the \"atom\"\n"),
  text(" 🙂"),
  { type: "response.output_text.done", item_id: "msg_1", output_index: 1, content_index: 0, text: "Why did the \"atom\"\n 🙂", logprobs: [] },
  completed("resp_68b1", "gpt-5-mini-2025-08-07", usage(9, 120, 64)),
]);

/** openai-node's "reasoning works" fixture: no `event:` lines, raw reasoning text, `[DONE]` at the end. */
const OPENAI_NODE_FIXTURE =
  sse(
    [
      created("resp_reason_1", "o3"),
      { item: { id: "r1", type: "reasoning", summary: [], status: "in_progress" }, output_index: 0, sequence_number: 1, type: "response.output_item.added" },
      { content_index: 0, delta: "Chain: Step 1. ", item_id: "r1", output_index: 0, sequence_number: 3, type: "response.reasoning_text.delta" },
      { content_index: 0, delta: "Step 2.", item_id: "r1", output_index: 0, sequence_number: 4, type: "response.reasoning_text.delta" },
      { content_index: 0, delta: "The answer is ", item_id: "msg_2", logprobs: [], output_index: 1, sequence_number: 7, type: "response.output_text.delta" },
      { content_index: 0, delta: "42", item_id: "msg_2", logprobs: [], output_index: 1, sequence_number: 8, type: "response.output_text.delta" },
      completed("resp_reason_1", "o3", usage(0, 6, 2)),
    ],
    false,
  ) + "data: [DONE]\n\n";

/** Ollama (thinking model): Go's sorted keys, one summary with no part events, reasoning_tokens always 0. */
const OLLAMA = sse([
  { response: { id: "resp_123", model: "qwen3:8b", object: "response", status: "in_progress" }, sequence_number: 0, type: "response.created" },
  { response: { id: "resp_123", model: "qwen3:8b", object: "response", status: "in_progress" }, sequence_number: 1, type: "response.in_progress" },
  { item: { id: "rs_42", summary: [], type: "reasoning" }, output_index: 0, sequence_number: 2, type: "response.output_item.added" },
  { delta: "Okay, ", item_id: "rs_42", output_index: 0, sequence_number: 3, summary_index: 0, type: "response.reasoning_summary_text.delta" },
  { delta: "a greeting.", item_id: "rs_42", output_index: 0, sequence_number: 4, summary_index: 0, type: "response.reasoning_summary_text.delta" },
  { content_index: 0, delta: "Hello!", item_id: "msg_1", logprobs: [], output_index: 1, sequence_number: 8, type: "response.output_text.delta" },
  { response: { id: "resp_123", model: "qwen3:8b", status: "completed", usage: usage(11, 30, 0) }, sequence_number: 12, type: "response.completed" },
]);

interface Relayed {
  content: string;
  reasoning: string;
  reader: ResponsesReader<unknown>;
}

/** The body cut into two reads at `cut`, through the real parser, reader and frames. */
async function relay(wire: string, cut?: number): Promise<Relayed> {
  const bytes = new TextEncoder().encode(wire);
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      if (cut === undefined || cut <= 0 || cut >= bytes.length) c.enqueue(bytes);
      else {
        c.enqueue(bytes.slice(0, cut));
        c.enqueue(bytes.slice(cut));
      }
      c.close();
    },
  });
  const reader = new ResponsesReader(new AnswerFrames());
  let out = "";
  for await (const burst of readUpstreamEvents(body, reader)) if (burst) out += burst.text;
  let content = "";
  let reasoning = "";
  for (const frame of out.split("\n\n").filter(Boolean)) {
    const lines = frame.split("\n");
    const data = JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6)) as { content?: string; reasoning?: string };
    if (lines[0] === "event: reasoning") reasoning += data.reasoning;
    else content += data.content;
  }
  return { content, reasoning, reader };
}

/** The same result wherever the network cut the body. */
async function everyCut(wire: string, check: (r: Relayed) => void): Promise<void> {
  const length = new TextEncoder().encode(wire).length;
  for (let cut = 0; cut <= length; cut++) check(await relay(wire, cut));
}

describe("Responses streams → the same frames and finish as Chat Completions", () => {
  test("OpenAI: summary parts are paragraphs of the reasoning, output text is the answer, at every cut", async () => {
    await everyCut(OPENAI, ({ content, reasoning, reader }) => {
      expect(reasoning).toBe("**Finding a joke**\n\nThe user wants a joke – “short”.\n\n**Picking one**");
      expect(content).toBe('Why did the "atom"\n 🙂');
      expect(reader.finishReason).toBe("stop");
      expect(reader.model).toBe("gpt-5-mini-2025-08-07");
      expect(reader.id).toBe("resp_68b1");
      expect(reader.usage).toEqual({
        prompt_tokens: 9,
        completion_tokens: 120,
        total_tokens: 129,
        completion_tokens_details: { reasoning_tokens: 64 },
        prompt_tokens_details: { cached_tokens: 0 },
      } as never);
      expect(reader.firstReasoningAt).toBeLessThanOrEqual(reader.firstContentAt!);
    });
  });

  test("openai-node's fixture: raw reasoning text, `data:` lines only, a trailing [DONE]", async () => {
    await everyCut(OPENAI_NODE_FIXTURE, ({ content, reasoning, reader }) => {
      expect(reasoning).toBe("Chain: Step 1. Step 2.");
      expect(content).toBe("The answer is 42");
      expect(reader.finishReason).toBe("stop");
      expect(reader.usage?.completion_tokens_details?.reasoning_tokens).toBe(2);
    });
  });

  test("Ollama: thinking as one summary, keys in any order", async () => {
    await everyCut(OLLAMA, ({ content, reasoning, reader }) => {
      expect(reasoning).toBe("Okay, a greeting.");
      expect(content).toBe("Hello!");
      expect(reader.model).toBe("qwen3:8b");
      expect(reader.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 30, total_tokens: 41 });
    });
  });

  test.each([
    ["max_output_tokens", "length"],
    ["content_filter", "content_filter"],
  ])("response.incomplete with %s finishes as %s, keeping the text", async (reason, finish) => {
    const wire = sse([
      created("resp_1", "gpt-5-mini"),
      text("Half"),
      { type: "response.incomplete", response: { id: "resp_1", status: "incomplete", incomplete_details: { reason }, usage: usage(5, 16, 12) } },
    ]);
    const { content, reader } = await relay(wire);
    expect(content).toBe("Half");
    expect(reader.finishReason).toBe(finish);
    expect(reader.usage?.completion_tokens).toBe(16);
  });

  test("a refusal is relayed as the answer and marked", async () => {
    const wire = sse([
      created("resp_1", "gpt-4o"),
      { type: "response.refusal.delta", item_id: "msg_1", output_index: 0, content_index: 0, delta: "I can't help with that." },
      completed("resp_1", "gpt-4o", usage(5, 6, 0)),
    ]);
    const { content, reader } = await relay(wire);
    expect(content).toBe("I can't help with that.");
    expect(reader.refusal).toBe(true);
  });

  test("a model that gives no summary (not a reasoning model, or an unverified organisation) still answers", async () => {
    const { content, reasoning, reader } = await relay(sse([created("resp_1", "gpt-4.1"), text("Hi", "msg_1", 0), completed("resp_1", "gpt-4.1", usage(5, 1, 0))]));
    expect([content, reasoning, reader.finishReason]).toEqual(["Hi", "", "stop"]);
  });

  test("events after the end are ignored; no finish means no finishReason (reported as cut off)", async () => {
    const after = await relay(sse([created("resp_1", "m"), text("A"), completed("resp_1", "m", usage(1, 1, 0)), text("B")]));
    expect(after.content).toBe("A");
    const cut = await relay(sse([created("resp_1", "m"), text("A")]));
    expect(cut.reader.finishReason).toBeUndefined();
    expect(cut.reader.done).toBe(false);
  });
});

describe("failures inside the stream are kept for after the text before them", () => {
  test("an `error` event", async () => {
    const { content, reader } = await relay(sse([created("r", "m"), text("Par"), { type: "error", sequence_number: 3, code: "server_error", message: "Boom", param: null }, text("never")]));
    expect(content).toBe("Par");
    expect(reader.failure).toEqual({ error: { type: "error", sequence_number: 3, code: "server_error", message: "Boom", param: null } });
  });

  test("an `error` event that nests its error (gateways)", async () => {
    const { reader } = await relay(sse([{ type: "error", error: { message: "Overloaded", code: "overloaded" } }]));
    expect(reader.failure).toEqual({ error: { message: "Overloaded", code: "overloaded" } });
  });

  test("`response.failed` carries the response's error", async () => {
    const failed = { type: "response.failed", response: { id: "r", status: "failed", error: { code: "server_error", message: "Failed" } } };
    const { content, reader } = await relay(sse([created("r", "m"), text("Par"), failed]));
    expect(content).toBe("Par");
    expect(reader.failure).toEqual({ error: { code: "server_error", message: "Failed" } });
  });

  test("an event that is not JSON", async () => {
    const { reader } = await relay("event: response.output_text.delta\ndata: {oops\n\n");
    expect(reader.failure).toEqual({ notJson: true });
  });
});

test("the text fast path agrees with the exact parse on escapes, quotes, unicode and control characters", async () => {
  const alphabet = ["a", " ", '"', "\\", "\n", "\t", "\u0001", "\u2028", "é", "🙂", "}", "\"delta\":\"", "/"];
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let round = 0; round < 200; round++) {
    const deltas = Array.from({ length: 1 + Math.floor(next() * 6) }, () =>
      Array.from({ length: Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(""),
    );
    const wire = sse([created("r", "m"), ...deltas.map((d) => text(d)), completed("r", "m", usage(1, 1, 0))]);
    expect((await relay(wire, Math.floor(next() * wire.length))).content).toBe(deltas.join(""));
  }
});

test("the summary fast path agrees with the exact parse: parts set off by a blank line, escapes, key orders, odd indexes", async () => {
  const alphabet = ["a", " ", '"', "\\", "\n", "\u0001", "é", "🙂", "\"delta\":\"", "\"summary_index\":1,", "\"item_id\":\"rs_9\""];
  const items = ["rs_1", "rs_2", 'rs_"q"', "rs_é"];
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
  for (let round = 0; round < 200; round++) {
    const events: object[] = [created("r", "m")];
    let want = "";
    let part: string | undefined;
    for (let n = 1 + Math.floor(next() * 8); n > 0; n--) {
      const delta = Array.from({ length: Math.floor(next() * 4) }, () => pick(alphabet)).join("");
      const item = pick(items);
      const index = pick([0, 0, 1, 10, undefined]);
      const raw = next() < 0.15;
      const name = raw ? `${item}/c0` : `${item}/s${index ?? 0}`;
      if (delta !== "") {
        want += part !== undefined && part !== name ? `\n\n${delta}` : delta;
        part = name;
      }
      const fields = raw
        ? { type: "response.reasoning_text.delta", item_id: item, output_index: 0, content_index: 0, delta }
        : { type: "response.reasoning_summary_text.delta", sequence_number: 4, item_id: item, output_index: 0, ...(index !== undefined && { summary_index: index }), delta, obfuscation: "x" };
      // OpenAI writes `type` first; Ollama (Go) sorts the keys.
      events.push(next() < 0.5 ? fields : Object.fromEntries(Object.entries(fields).sort(([k1], [k2]) => k1.localeCompare(k2))));
    }
    events.push(text("ok"), completed("r", "m", usage(1, 1, 0)));
    const wire = sse(events);
    const { reasoning, content } = await relay(wire, Math.floor(next() * wire.length));
    expect(reasoning).toBe(want);
    expect(content).toBe("ok");
  }
});

test("usage without counts is left out rather than invented", () => {
  expect(usageOf(null)).toBeUndefined();
  expect(usageOf({ input_tokens: 1 })).toBeUndefined();
});
