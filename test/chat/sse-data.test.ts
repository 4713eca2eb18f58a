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

/** The events as text. Each batch is read before the next one arrives: its bytes are views of one read. */
async function read(chunks: Uint8Array[]): Promise<Array<{ event: string | undefined; data: string }>> {
  const out: Array<{ event: string | undefined; data: string }> = [];
  for await (const batch of readUpstreamEvents(body(chunks))) out.push(...batch.map((e: UpstreamEvent) => ({ event: e.event, data: e.data.toString() })));
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

const EXPECTED = [
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

describe("batches", () => {
  test("every event completed by one read arrives in one batch, in order", async () => {
    const events = Array.from({ length: 200 }, (_, i) => `data: {"n":${i}}\n\n`).join("");
    const batches: string[][] = [];
    for await (const batch of readUpstreamEvents(body([enc(events.slice(0, 100)), enc(events.slice(100))]))) batches.push(batch.map((e) => e.data.toString()));
    expect(batches.length).toBe(2);
    expect(batches.flat()).toEqual(Array.from({ length: 200 }, (_, i) => `{"n":${i}}`));
  });

  test("stopping early cancels the body, releasing the upstream connection", async () => {
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(enc('data: {"a":1}\n\n'));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const _ of readUpstreamEvents(stream)) break;
    expect(cancelled).toBe(true);
  });
});

describe("field edge cases of the spec", () => {
  test("a bare `data` line is an empty data line; `event` without a value is the empty name", async () => {
    expect(await read([enc("data\ndata: x\n\nevent\ndata: y\n\n")])).toEqual([
      { event: undefined, data: "\nx" },
      { event: "", data: "y" },
    ]);
  });

  test("a line cut across reads right after a CR still ends there", async () => {
    expect(await read([enc("data: a\r"), enc("data: b\r\r")])).toEqual([{ event: undefined, data: "a\nb" }]);
  });
});
