import { describe, expect, test } from "bun:test";
import { ThinkTags } from "../../src/upstream/think-tags.ts";

/** What a reader of the wire ends up showing: content and reasoning, with a lone `</think>` applied. */
function split(pieces: string[]): { content: string; reasoning: string; wire: string[] } {
  const tags = new ThinkTags();
  let content = "";
  let reasoning = "";
  const wire: string[] = [];
  const out = {
    content: (t: string) => {
      wire.push(`c:${t}`);
      content += t;
    },
    reasoning: (t: string) => {
      wire.push(`r:${t}`);
      reasoning += t;
    },
    contentWasReasoning: (t: string) => {
      wire.push(`moved:${t}`);
      reasoning += content + t;
      content = "";
    },
  };
  for (const p of pieces) tags.push(p, out);
  tags.end(out);
  return { content, reasoning, wire };
}

/** Every way of cutting `text` in two (and in single characters): the result must not depend on the cut. */
function everySplit(text: string): Array<string[]> {
  const ways: Array<string[]> = [[text], [...text]];
  for (let i = 1; i < text.length; i++) ways.push([text.slice(0, i), text.slice(i)]);
  return ways;
}

describe("think tags at the start of an answer", () => {
  test.each([
    ["<think>", "</think>"],
    ["<thinking>", "</thinking>"],
    ["[THINK]", "[/THINK]"],
  ])("%s…%s is reasoning, the rest the answer, however the chunks cut the tags", (open, close) => {
    const text = `\n${open}\nThe user greets me.\n${close}\n\nHello! How can I help?`;
    for (const pieces of everySplit(text)) {
      expect(split(pieces)).toMatchObject({ reasoning: "\nThe user greets me.\n", content: "Hello! How can I help?" });
    }
  });

  test("a lone </think> (Qwen3 put the opening tag in the prompt) turns what came before into reasoning", () => {
    const text = "Okay, the user says hi.\n</think>\n\nHi there!";
    for (const pieces of everySplit(text)) {
      expect(split(pieces)).toMatchObject({ reasoning: "Okay, the user says hi.\n", content: "Hi there!" });
    }
  });

  test("tags later in the answer, or after a backtick, stay content", () => {
    const later = "Use `<think>` tags like this: <think>x</think> and close with </think>.";
    for (const pieces of everySplit(later)) expect(split(pieces)).toMatchObject({ content: later, reasoning: "" });
    const html = "The tag `</think>` ends reasoning.";
    expect(split([html])).toMatchObject({ content: html, reasoning: "" });
  });

  test("an answer without tags passes unchanged, byte for byte, leading whitespace and all", () => {
    for (const text of ["  Hello", "\n\n<b>bold</b>", "[link](x)", "<", "[THI", "   "]) {
      for (const pieces of everySplit(text)) expect(split(pieces)).toMatchObject({ content: text, reasoning: "" });
    }
  });

  test("text that might be a tag is held back only until the next piece says what it is", () => {
    expect(split(["<thi", "ngs are fine"]).wire).toEqual(["c:<things are fine"]);
    expect(split(["Hi", " there"]).wire).toEqual(["c:Hi", "c: there"]);
    expect(split(["<think>a", "b</thi", "nk>c"]).wire).toEqual(["r:a", "r:b", "c:c"]);
  });

  test("an answer cut inside a think block keeps all its reasoning", () => {
    expect(split(["<think>still going </thi"])).toMatchObject({ reasoning: "still going </thi", content: "" });
  });
});

describe("reasoning in a field of its own settles the tags", () => {
  test("content after separate reasoning is never searched for tags", () => {
    const tags = new ThinkTags();
    const seen: string[] = [];
    const out = { content: (t: string) => seen.push(`c:${t}`), reasoning: (t: string) => seen.push(`r:${t}`), contentWasReasoning: (t: string) => seen.push(`m:${t}`) };
    tags.settle(out);
    tags.push("<think>not a tag here</think>", out);
    expect(seen).toEqual(["c:<think>not a tag here</think>"]);
    expect(tags.settled).toBe(true);
  });
});

describe("the fast path asks before copying a literal unread", () => {
  const literal = (s: string) => Buffer.from(JSON.stringify(s));
  const noop = { content: () => {}, reasoning: () => {}, contentWasReasoning: () => {} };
  const classify = (tags: ThinkTags, b: Buffer) => tags.classify(b, 0, b.length);

  test("while a lone </think> may still come, a literal with `<` (raw or escaped) must be read", () => {
    const tags = new ThinkTags();
    tags.push("Hello", noop);
    expect(classify(tags, literal(" world"))).toBe("content");
    expect(classify(tags, literal("a < b"))).toBeUndefined();
    expect(classify(tags, Buffer.from('"\\u003c/think\\u003e"'))).toBeUndefined();
    expect(classify(tags, literal("use `x`"))).toBe("content");
    expect(tags.settled).toBe(true);
    expect(classify(tags, literal("a < b"))).toBe("content");
  });

  test("inside a think block, a literal that cannot hold the closing tag is reasoning", () => {
    const tags = new ThinkTags();
    tags.push("<think>", noop);
    expect(classify(tags, literal("pondering"))).toBe("reasoning");
    expect(classify(tags, literal("done</think>"))).toBeUndefined();
    expect(classify(tags, literal("[/THINK]"))).toBeUndefined();
  });

  test("before the answer's first words, every literal is read", () => {
    expect(classify(new ThinkTags(), literal("Hello"))).toBeUndefined();
  });
});
