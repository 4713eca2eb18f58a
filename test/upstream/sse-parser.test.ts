import { describe, expect, test } from "bun:test";
import { type EventSink, readUpstreamEvents } from "../../src/upstream/sse-parser.ts";

function body(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const chunk of chunks) c.enqueue(chunk);
      c.close();
    },
  });
}

/** A sink that decodes each event (its bytes are a view of one read, valid only during the call) and yields each read's events. */
function collector(): EventSink<Array<{ event: string | undefined; data: string }>> {
  let read: Array<{ event: string | undefined; data: string }> = [];
  return {
    event: (event, data, start, end) => void read.push({ event, data: data.toString("utf8", start, end) }),
    endOfRead: () => {
      const done = read;
      read = [];
      return done;
    },
  };
}

/** The events as text. */
async function read(chunks: Uint8Array[]): Promise<Array<{ event: string | undefined; data: string }>> {
  const out: Array<{ event: string | undefined; data: string }> = [];
  for await (const batch of readUpstreamEvents(body(chunks), collector())) out.push(...batch);
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
  test("the events completed by one read all reach the sink before its endOfRead, in order", async () => {
    const events = Array.from({ length: 200 }, (_, i) => `data: {"n":${i}}\n\n`).join("");
    const batches: string[][] = [];
    for await (const batch of readUpstreamEvents(body([enc(events.slice(0, 100)), enc(events.slice(100))]), collector())) batches.push(batch.map((e) => e.data));
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
    for await (const _ of readUpstreamEvents(stream, collector())) break;
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
