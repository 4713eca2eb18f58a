import { describe, expect, test } from "bun:test";
import { ChunkReader } from "../../src/upstream/chunk-reader.ts";
import { AnswerFrames } from "../../src/wire/answer-frames.ts";
import { readUpstreamEvents } from "../../src/upstream/sse-parser.ts";

/** The upstream body split in two at `cut` (or whole), as the network may deliver it. */
function body(wire: string, cuts: number[]): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(wire);
  const at = [0, ...cuts, bytes.length];
  return new ReadableStream({
    start(c) {
      for (let i = 0; i + 1 < at.length; i++) if (at[i + 1]! > at[i]!) c.enqueue(bytes.slice(at[i], at[i + 1]));
      c.close();
    },
  });
}

interface Relayed {
  /** The browser wire, as one string. */
  wire: string;
  content: string;
  reasoning: string;
  relay: ChunkReader<unknown>;
}

/** Runs an upstream body through the relay; content and reasoning as our page shows them. */
async function relay(wire: string, cuts: number[] = []): Promise<Relayed> {
  const r = new ChunkReader(new AnswerFrames());
  let out = "";
  for await (const burst of readUpstreamEvents(body(wire, cuts), r)) if (burst) out += burst.text;
  let content = "";
  let reasoning = "";
  let expected = 1;
  for (const frame of out.split("\n\n").filter(Boolean)) {
    const lines = frame.split("\n");
    const id = Number(lines.find((l) => l.startsWith("id: "))!.slice(4));
    expect(id).toBe(expected++);
    const data = JSON.parse(lines.find((l) => l.startsWith("data: "))!.slice(6)) as Record<string, unknown>;
    if (lines[0] === "event: reasoning") {
      expect(Object.keys(data).filter((k) => k !== "content_was_reasoning")).toEqual(["reasoning"]);
      if (data.content_was_reasoning) {
        reasoning += content;
        content = "";
      }
      reasoning += data.reasoning as string;
    } else {
      expect(Object.keys(data)).toEqual(["content"]);
      content += data.content as string;
    }
  }
  return { wire: out, content, reasoning, relay: r };
}

const sse = (...events: unknown[]) => events.map((e) => `data: ${typeof e === "string" ? e : JSON.stringify(e)}\n\n`).join("");
const chunk = (model: string, delta: object, finish: string | null = null, extra: object = {}) => ({
  id: "c1",
  object: "chat.completion.chunk",
  created: 1,
  model,
  choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  ...extra,
});

/** Recorded shapes, one per way servers write reasoning (see the comment on each for its source). */
const FORMATS: Record<string, { wire: string; content: string; reasoning: string }> = {
  // DeepSeek's API, Azure AI Foundry's DeepSeek-R1, llama.cpp's server, vLLM before 0.10, Qwen/DashScope.
  reasoning_content: {
    wire: sse(
      chunk("deepseek-reasoner", { role: "assistant", content: null, reasoning_content: "" }),
      chunk("deepseek-reasoner", { content: null, reasoning_content: "Let me " }),
      chunk("deepseek-reasoner", { content: null, reasoning_content: "think 中文." }),
      chunk("deepseek-reasoner", { content: "Hello", reasoning_content: null }),
      chunk("deepseek-reasoner", { content: " 😀", reasoning_content: null }),
      chunk("deepseek-reasoner", { content: "", reasoning_content: null }, "stop"),
      "[DONE]",
    ),
    reasoning: "Let me think 中文.",
    content: "Hello 😀",
  },
  // Ollama's /v1 (Go escapes < > & as \u003c…), newer vLLM, Groq, OpenRouter (which adds reasoning_details).
  reasoning: {
    wire:
      'data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"qwen3","system_fingerprint":"fp_ollama","choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"a \\u003c b"},"finish_reason":null}]}\n\n' +
      sse(
        chunk("qwen3", { content: "", reasoning: "?", reasoning_details: [{ type: "reasoning.text", text: "?", format: "unknown", index: 0 }] }),
        chunk("qwen3", { content: "Yes." }),
        chunk("qwen3", {}, "stop"),
        "[DONE]",
      ),
    reasoning: "a < b?",
    content: "Yes.",
  },
  // OpenRouter with only reasoning_details (text and summary parts; encrypted ones carry nothing readable).
  reasoning_details: {
    wire: sse(
      chunk("openai/o3", { role: "assistant", content: "", reasoning_details: [{ type: "reasoning.summary", summary: "Plan. ", index: 0 }] }),
      chunk("openai/o3", { content: "", reasoning_details: [{ type: "reasoning.encrypted", data: "gAAA", index: 1 }, { type: "reasoning.text", text: "Go.", index: 2 }] }),
      chunk("openai/o3", { content: "Done" }, "stop"),
      "[DONE]",
    ),
    reasoning: "Plan. Go.",
    content: "Done",
  },
  // Mistral's Magistral: content as a list of parts.
  content_parts: {
    wire: sse(
      chunk("magistral-medium", { role: "assistant", content: [{ type: "thinking", thinking: [{ type: "text", text: "Hmm, " }] }] }),
      chunk("magistral-medium", { content: [{ type: "thinking", thinking: [{ type: "text", text: "ok." }] }] }),
      chunk("magistral-medium", { content: [{ type: "text", text: "Answer" }, { type: "image_url", image_url: "x" }] }),
      chunk("magistral-medium", { content: " here" }, "stop"),
      "[DONE]",
    ),
    reasoning: "Hmm, ok.",
    content: "Answer here",
  },
  // Older servers and templates: the thinking inline, in tags.
  think_tags: {
    wire: sse(
      chunk("deepseek-r1:7b", { role: "assistant", content: "" }),
      chunk("deepseek-r1:7b", { content: "<thi" }),
      chunk("deepseek-r1:7b", { content: "nk>\nPondering" }),
      chunk("deepseek-r1:7b", { content: " deeply</think>" }),
      chunk("deepseek-r1:7b", { content: "\n\nThe answer" }),
      chunk("deepseek-r1:7b", { content: " is `<think>`." }, "stop"),
      "[DONE]",
    ),
    reasoning: "\nPondering deeply",
    content: "The answer is `<think>`.",
  },
  // Qwen3 through a template that opened the tag in the prompt: only the closing tag arrives (Go-escaped).
  lone_close: {
    wire: sse(
      chunk("qwen3:8b", { role: "assistant", content: "" }),
      chunk("qwen3:8b", { content: "User says hi" }),
      chunk("qwen3:8b", { content: ".\n" }),
      '{"id":"c1","object":"chat.completion.chunk","created":1,"model":"qwen3:8b","choices":[{"index":0,"delta":{"content":"\\u003c/think\\u003e\\n\\n"},"finish_reason":null}]}',
      chunk("qwen3:8b", { content: "Hello!" }, "stop"),
      "[DONE]",
    ),
    reasoning: "User says hi.\n",
    content: "Hello!",
  },
};

describe("reasoning, whichever way the upstream writes it", () => {
  for (const [name, f] of Object.entries(FORMATS)) {
    test(`${name}: reasoning and answer come apart exactly, cut at every byte`, async () => {
      const whole = await relay(f.wire);
      expect({ content: whole.content, reasoning: whole.reasoning }).toEqual({ content: f.content, reasoning: f.reasoning });
      expect(whole.relay.finishReason).toBe("stop");
      const length = new TextEncoder().encode(f.wire).length;
      for (let cut = 1; cut < length; cut++) {
        const split = await relay(f.wire, [cut]);
        expect(split.wire).toBe(whole.wire);
      }
    });
  }

  test("reasoning goes out as `event: reasoning` with no content key; content frames stay the seed's bytes", async () => {
    const { wire, relay: r } = await relay(FORMATS.reasoning_content!.wire);
    expect(wire).toBe(
      'event: reasoning\nid: 1\ndata: {"reasoning":"Let me "}\n\n' +
        'event: reasoning\nid: 2\ndata: {"reasoning":"think 中文."}\n\n' +
        'id: 3\ndata: {"content":"Hello"}\n\n' +
        'id: 4\ndata: {"content":" 😀"}\n\n',
    );
    expect(r.firstReasoningAt).toBeLessThanOrEqual(r.firstContentAt!);
  });

  test("a lone </think> sends one frame that moves the content so far into reasoning", async () => {
    const { wire } = await relay(FORMATS.lone_close!.wire);
    expect(wire).toContain('event: reasoning\nid: 3\ndata: {"reasoning":"","content_was_reasoning":true}\n\n');
  });
});

describe("the rest of the chunk, as each server writes it", () => {
  test("a refusal is the answer's text, and the relay says it was one", async () => {
    const { content, relay: r } = await relay(
      sse(chunk("gpt-4o", { role: "assistant", content: null, refusal: "" }), chunk("gpt-4o", { refusal: "I can't help" }), chunk("gpt-4o", { refusal: " with that." }), chunk("gpt-4o", {}, "stop"), "[DONE]"),
    );
    expect(content).toBe("I can't help with that.");
    expect(r.refusal).toBe(true);
  });

  test("Azure's nameless first chunk does not hide the model: the first non-empty one is reported", async () => {
    const azureFirst = { id: "", object: "", created: 0, model: "", prompt_filter_results: [{ prompt_index: 0, content_filter_results: {} }], choices: [] };
    const { content, relay: r } = await relay(sse(azureFirst, chunk("gpt-4o-2024-08-06", { content: "Hi" }), chunk("gpt-4o-2024-08-06", {}, "stop"), "[DONE]"));
    expect(content).toBe("Hi");
    expect(r.model).toBe("gpt-4o-2024-08-06");
    expect(r.id).toBe("c1");
  });

  test("only choice 0 is the answer when a server interleaves several choices", async () => {
    const two = (i: number, content: string, finish: string | null = null) => ({ id: "c", model: "m", choices: [{ index: i, delta: { content }, finish_reason: finish }] });
    const { content, relay: r } = await relay(sse(two(0, "A"), two(1, "X"), two(0, "B"), two(1, "Y", "length"), two(0, "C", "stop"), "[DONE]"));
    expect(content).toBe("ABC");
    expect(r.finishReason).toBe("stop");
  });

  test("vLLM's error object ends the answer with the upstream's own message", async () => {
    const err = { object: "error", message: "This model's maximum context length is 4096 tokens.", type: "BadRequestError", param: null, code: 400 };
    const { content, relay: r } = await relay(sse(chunk("m", { content: "Hi" }), chunk("m", { content: " there" }), err));
    expect(content).toBe("Hi there");
    expect(r.failure).toEqual({ error: err });
  });

  test("a usage chunk's reasoning token count is kept for the finish", async () => {
    const usage = { prompt_tokens: 5, completion_tokens: 30, total_tokens: 35, completion_tokens_details: { reasoning_tokens: 24 } };
    const { relay: r } = await relay(sse(chunk("m", { content: "x" }), chunk("m", {}, "stop"), { id: "c1", model: "m", choices: [], usage }, "[DONE]"));
    expect(r.usage).toEqual(usage);
  });
});
