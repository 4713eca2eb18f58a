import { describe, expect, test } from "bun:test";
import { PlainDeltaFinder } from "../../src/upstream/plain-delta-finder.ts";

const chunk = (delta: object, rest: object = {}) =>
  JSON.stringify({
    id: "chatcmpl-1",
    object: "chat.completion.chunk",
    created: 1,
    model: "gpt-x",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: null }],
    usage: null,
    ...rest,
  });
/** The literal the fast path copies for one chunk, or undefined when the chunk must be parsed. */
function fast(json: string): string | undefined {
  const data = Buffer.from(json);
  const finder = new PlainDeltaFinder();
  const open = finder.find(data, 0, data.length);
  return open === -1 ? undefined : data.toString("utf8", open, finder.close);
}

describe("the byte-level fast path for plain content chunks", () => {
  test("an OpenAI content chunk gives its content as the JSON literal it arrived as", () => {
    expect(fast(chunk({ content: "Hello" }))).toBe('"Hello"');
    expect(fast('{"choices":[{"delta":{"content":"\\u00e9\\/x"},"finish_reason":null}]}')).toBe('"\\u00e9\\/x"');
    expect(fast('{"choices":[{"delta":{"role":"assistant","content":"b"},"finish_reason":null}]}')).toBe('"b"');
  });

  test("a null refusal or reasoning field, and choice index 0, keep a chunk on the fast path", () => {
    expect(fast(chunk({ content: "Hi", refusal: null }))).toBe('"Hi"');
    expect(fast(chunk({ content: "Hi", reasoning_content: null }))).toBe('"Hi"');
    expect(fast(chunk({ content: "Hi", reasoning: null }))).toBe('"Hi"');
    expect(fast('{"choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}')).toBe('"Hi"');
  });

  test("text that looks like JSON structure inside the content cannot fool it", () => {
    const tricky = ['"finish_reason":"stop"', '"usage":{"total_tokens":1}', '"error":{}', '"content":"x"', "\\", '\\"', "a\"b\\\\\"c", "中文 😀", "\n\r\t\u2028"];
    for (const text of tricky) {
      const quoted = fast(chunk({ content: text }));
      expect(quoted).toBeDefined();
      expect(JSON.parse(quoted!)).toBe(text);
    }
  });

  test.each([
    ["a finish reason", chunk({ content: "x" }, { choices: [{ index: 0, delta: { content: "x" }, finish_reason: "stop" }] })],
    ["a usage object", chunk({ content: "x" }, { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } })],
    ["an error", chunk({ content: "x" }, { error: { message: "boom" } })],
    ["spaces after colons (Python's json.dumps)", '{"choices": [{"delta": {"content": "x"}, "finish_reason": null}]}'],
    ["no finish_reason field", '{"choices":[{"delta":{"content":"x"}}]}'],
    ["two choices", '{"choices":[{"delta":{"content":"a"},"finish_reason":null},{"delta":{"content":"b"},"finish_reason":null}]}'],
    ["a raw control character (not JSON)", '{"choices":[{"delta":{"content":"a\tb"},"finish_reason":null}]}'],
    ["a string cut short", '{"choices":[{"delta":{"content":"abc'],
    ["no content (a role or tool chunk)", chunk({ role: "assistant" })],
    ["[DONE]", "[DONE]"],
    ["reasoning beside the content (DeepSeek)", chunk({ content: "x", reasoning_content: "y" })],
    ["reasoning beside the content (Ollama, vLLM, OpenRouter)", chunk({ content: "x", reasoning: "y" })],
    ["OpenRouter's reasoning details beside the content", chunk({ content: "x", reasoning_details: [{ type: "reasoning.text", text: "y" }] })],
    ["a refusal beside the content", chunk({ content: "x", refusal: "no" })],
    ["a second choice (index 1)", '{"choices":[{"index":1,"delta":{"content":"x"},"finish_reason":null}]}'],
    ["a choice index 10", '{"choices":[{"index":10,"delta":{"content":"x"},"finish_reason":null}]}'],
    ["a content outside the delta, before it", '{"x":{"content":"a"},"choices":[{"delta":{"content":"b"},"finish_reason":null}]}'],
  ])("%s takes the exact, parsing path", (_name, json) => {
    expect(fast(json)).toBeUndefined();
  });

  test("seeded fuzz: whenever it answers, it agrees with JSON.parse", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = ['"', "\\", "{", "}", ":", ",", "a", " ", "\n", "é", "😀", "finish_reason", "null", "content", "usage", "error"];
    for (let i = 0; i < 3000; i++) {
      let text = "";
      for (let n = Math.floor(rand() * 12); n > 0; n--) text += alphabet[Math.floor(rand() * alphabet.length)];
      const json = chunk({ content: text }, rand() < 0.2 ? { choices: [{ delta: { content: text }, finish_reason: rand() < 0.5 ? "length" : null }] } : {});
      const quoted = fast(json);
      const parsed = JSON.parse(json) as { choices: Array<{ delta: { content: string }; finish_reason: string | null }> };
      if (parsed.choices[0]!.finish_reason !== null) expect(quoted).toBeUndefined();
      if (quoted !== undefined) expect(JSON.parse(quoted)).toBe(parsed.choices[0]!.delta.content);
    }
  });

  test("chunks of one read are each judged on their own bytes, whatever the chunks around them hold", () => {
    const chunks = [
      chunk({ content: "a" }),
      chunk({ content: "b" }, { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
      chunk({ content: "c" }),
      chunk({ content: "d" }, { error: { message: "boom" } }),
      chunk({ role: "assistant" }),
      chunk({ content: "e" }),
      '{"choices":[{"delta":{"content":"f"}}]}',
      chunk({ content: "g" }, { choices: [{ index: 0, delta: { content: "g" }, finish_reason: "stop" }] }),
      chunk({ content: "h" }),
    ];
    const read = Buffer.from(chunks.join("\n"));
    const finder = new PlainDeltaFinder();
    const found: Array<string | undefined> = [];
    let start = 0;
    for (const c of chunks) {
      const end = start + Buffer.byteLength(c);
      const open = finder.find(read, start, end);
      found.push(open === -1 ? undefined : read.toString("utf8", open, finder.close));
      start = end + 1;
    }
    expect(found).toEqual(['"a"', undefined, '"c"', undefined, undefined, '"e"', undefined, undefined, '"h"']);
  });
});

describe("the byte-level fast path for plain reasoning chunks", () => {
  const reasoning = (json: string): string | undefined => {
    const data = Buffer.from(json);
    const finder = new PlainDeltaFinder();
    const open = finder.find(data, 0, data.length);
    return open === -1 || !finder.reasoning ? undefined : data.toString("utf8", open, finder.close);
  };
  const shaped = (delta: object) => JSON.stringify({ id: "c", object: "chat.completion.chunk", model: "m", choices: [{ index: 0, delta, logprobs: null, finish_reason: null }] });

  test("DeepSeek's, Ollama's and vLLM's reasoning deltas give their text as the literal that came", () => {
    expect(reasoning(shaped({ content: null, reasoning_content: "Hm \\u00e9" }))).toBe(JSON.stringify("Hm \\u00e9"));
    expect(reasoning(shaped({ role: "assistant", content: "", reasoning: "ok" }))).toBe('"ok"');
    expect(reasoning(shaped({ reasoning_content: "x" }))).toBe('"x"');
    expect(reasoning(shaped({ content: "", reasoning: "y" }))).toBe('"y"');
  });

  test.each([
    ["reasoning beside real content", shaped({ content: "a", reasoning_content: "b" })],
    ["OpenRouter's details beside the reasoning", shaped({ content: "", reasoning: "b", reasoning_details: [{ type: "reasoning.text", text: "b" }] })],
    ["a refusal beside it", shaped({ content: null, reasoning_content: "b", refusal: "no" })],
    ["content parts beside it", shaped({ content: [{ type: "text", text: "a" }], reasoning: "b" })],
    ["a second choice", JSON.stringify({ choices: [{ index: 1, delta: { content: null, reasoning_content: "b" }, finish_reason: null }] })],
    ["a finish reason", JSON.stringify({ choices: [{ index: 0, delta: { content: null, reasoning_content: "b" }, finish_reason: "stop" }] })],
  ])("%s takes the exact, parsing path", (_name, json) => {
    expect(reasoning(json)).toBeUndefined();
  });
});
