import { describe, expect, test } from "bun:test";
import { AnswerFrames } from "../../src/wire/answer-frames.ts";

/** The frame for one delta, through the exact (parsed) path: the text re-quoted by JSON.stringify. */
function parsed(content: string): string | undefined {
  const frames = new AnswerFrames();
  frames.content(content);
  return frames.take()?.text;
}

describe("the answer's frames on the browser wire", () => {
  test("a delta is the seed's exact bytes, with its id", () => {
    expect(parsed("Why")).toBe('id: 1\ndata: {"content":"Why"}\n\n');
  });

  test("newlines and quotes inside content stay on one data line", () => {
    expect(parsed('a\nb "c"\r\n')).toBe('id: 1\ndata: {"content":"a\\nb \\"c\\"\\r\\n"}\n\n');
  });

  test("a read's literals, copied and parsed, become one burst numbered on from the last", () => {
    const frames = new AnswerFrames();
    const read = Buffer.from('{"content":"héllo"} {"content":"\\u00e9 😀"}');
    const second = read.lastIndexOf('"\\u');
    frames.contentLiteral(read, 11, read.indexOf("}"));
    frames.content("中文");
    frames.contentLiteral(read, second, read.length - 1);
    expect(frames.take()).toEqual({
      text: 'id: 1\ndata: {"content":"héllo"}\n\nid: 2\ndata: {"content":"中文"}\n\nid: 3\ndata: {"content":"\\u00e9 😀"}\n\n',
      first: 1,
      last: 3,
    });
    expect(frames.take()).toBeUndefined();
    for (let i = 0; i < 9; i++) frames.content("x");
    expect(frames.take()).toMatchObject({ first: 4, last: 12 });
    expect(frames.last).toBe(12);
  });

  test("reasoning is an `event: reasoning` frame with no content key, numbered with the content", () => {
    const frames = new AnswerFrames();
    const read = Buffer.from('{"reasoning":"hm"}');
    frames.reasoningLiteral(read, 13, 17);
    frames.reasoning("ok");
    frames.contentWasReasoning("");
    frames.content("Hi");
    expect(frames.take()?.text).toBe(
      'event: reasoning\nid: 1\ndata: {"reasoning":"hm"}\n\n' +
        'event: reasoning\nid: 2\ndata: {"reasoning":"ok"}\n\n' +
        'event: reasoning\nid: 3\ndata: {"reasoning":"","content_was_reasoning":true}\n\n' +
        'id: 4\ndata: {"content":"Hi"}\n\n',
    );
  });

  test("the end frames (finish, [DONE], error) take the next ids: one numbering for the whole answer", () => {
    const frames = new AnswerFrames();
    frames.content("a");
    frames.take();
    frames.event("finish", '{"finish_reason":"stop"}');
    frames.done();
    expect(frames.take()).toEqual({ text: 'event: finish\nid: 2\ndata: {"finish_reason":"stop"}\n\nid: 3\ndata: [DONE]\n\n', first: 2, last: 3 });
    frames.event("error", '{"message":"é"}');
    expect(frames.take()).toEqual({ text: 'event: error\nid: 4\ndata: {"message":"é"}\n\n', first: 4, last: 4 });
  });

  test("a read larger than the shared buffer grows it, and ids keep every digit", () => {
    const frames = new AnswerFrames();
    const big = "y".repeat(100_000);
    for (let i = 0; i < 1234; i++) frames.content("a");
    frames.take();
    frames.content(big);
    frames.content("z");
    expect(frames.take()?.text).toBe(`id: 1235\ndata: {"content":"${big}"}\n\nid: 1236\ndata: {"content":"z"}\n\n`);
  });
});
