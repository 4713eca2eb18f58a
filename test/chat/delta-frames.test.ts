import { describe, expect, test } from "bun:test";
import { DeltaFrames } from "../../src/chat/delta-frames.ts";

/** The frame for one delta, through the exact (parsed) path: the text re-quoted by JSON.stringify. */
function parsed(content: string): string | undefined {
  const frames = new DeltaFrames();
  frames.addQuoted(JSON.stringify(content));
  return frames.take()?.text;
}

describe("delta frames", () => {
  test("a delta is the seed's exact bytes, with its id", () => {
    expect(parsed("Why")).toBe('id: 1\ndata: {"content":"Why"}\n\n');
  });

  test("newlines and quotes inside content stay on one data line", () => {
    expect(parsed('a\nb "c"\r\n')).toBe('id: 1\ndata: {"content":"a\\nb \\"c\\"\\r\\n"}\n\n');
  });

  test("a read's literals, copied and parsed, become one burst numbered on from the last", () => {
    const frames = new DeltaFrames();
    const read = Buffer.from('{"content":"héllo"} {"content":"\\u00e9 😀"}');
    const second = read.lastIndexOf('"\\u');
    frames.addLiteral(read, 11, read.indexOf("}"));
    frames.addQuoted(JSON.stringify("中文"));
    frames.addLiteral(read, second, read.length - 1);
    expect(frames.take()).toEqual({
      type: "frames",
      text: 'id: 1\ndata: {"content":"héllo"}\n\nid: 2\ndata: {"content":"中文"}\n\nid: 3\ndata: {"content":"\\u00e9 😀"}\n\n',
      first: 1,
      last: 3,
    });
    expect(frames.take()).toBeUndefined();
    for (let i = 0; i < 9; i++) frames.addQuoted('"x"');
    expect(frames.take()).toMatchObject({ first: 4, last: 12 });
    expect(frames.last).toBe(12);
  });

  test("a read larger than the shared buffer grows it, and ids keep every digit", () => {
    const frames = new DeltaFrames();
    const big = JSON.stringify("y".repeat(100_000));
    for (let i = 0; i < 1234; i++) frames.addQuoted('"a"');
    frames.take();
    frames.addQuoted(big);
    frames.addQuoted('"z"');
    expect(frames.take()?.text).toBe(`id: 1235\ndata: {"content":${big}}\n\nid: 1236\ndata: {"content":"z"}\n\n`);
  });
});
