import { describe, expect, test } from "bun:test";
import { readUpstreamEvents, type UpstreamEvent } from "../../src/chat/sse-data.ts";

function body(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
}

async function read(chunks: Uint8Array[]): Promise<UpstreamEvent[]> {
  const out: UpstreamEvent[] = [];
  for await (const e of readUpstreamEvents(body(chunks))) out.push(e);
  return out;
}

const enc = (s: string) => new TextEncoder().encode(s);

const WIRE = [
  `data: {"id":"c1","choices":[{"delta":{"content":"héllo 中文 😀"}}]}`,
  "",
  ": keep-alive comment",
  "",
  "event: error",
  'data: {"error":{"message":"boom"}}',
  "",
  "id: 7",
  "retry: 100",
  "data: line one",
  "data:line two",
  "",
  "data: [DONE]",
  "",
  "",
].join("\n");

const EXPECTED: UpstreamEvent[] = [
  { event: undefined, data: `{"id":"c1","choices":[{"delta":{"content":"héllo 中文 😀"}}]}` },
  { event: "error", data: '{"error":{"message":"boom"}}' },
  { event: undefined, data: "line one\nline two" },
  { event: undefined, data: "[DONE]" },
];

describe("reading the upstream's SSE body", () => {
  test.each([
    ["LF", WIRE],
    ["CRLF", WIRE.replaceAll("\n", "\r\n")],
    ["CR", WIRE.replaceAll("\n", "\r")],
  ])("%s line endings, split at every byte offset, give the same events", async (_name, wire) => {
    const bytes = enc(wire);
    for (let cut = 0; cut <= bytes.length; cut++) {
      expect(await read([bytes.slice(0, cut), bytes.slice(cut)])).toEqual(EXPECTED);
    }
  });

  test("fed one byte at a time, multi-byte characters and CRLF pairs survive", async () => {
    const bytes = enc(WIRE.replaceAll("\n", "\r\n"));
    expect(await read(Array.from(bytes, (b) => new Uint8Array([b])))).toEqual(EXPECTED);
  });

  test("a 1 MiB data line arrives whole", async () => {
    const big = "x".repeat(1024 * 1024);
    const bytes = enc(`data: ${big}\n\n`);
    const chunks = [];
    for (let i = 0; i < bytes.length; i += 16 * 1024) chunks.push(bytes.slice(i, i + 16 * 1024));
    expect(await read(chunks)).toEqual([{ event: undefined, data: big }]);
  });

  test("an event the stream ends in the middle of is dropped, as the spec says", async () => {
    expect(await read([enc('data: {"a":1}\n\ndata: {"cut')])).toEqual([{ event: undefined, data: '{"a":1}' }]);
  });
});
