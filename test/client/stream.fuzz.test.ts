import { describe, expect, test } from "bun:test";
import { type ChatStreamEvent, readChatStream } from "../../client/chat/stream.ts";

// Bounded and repeatable: a fixed seed, a fixed number of cases. A failure names its case number.
const CASES = 500;
const encoder = new TextEncoder();

/** mulberry32: a tiny seeded PRNG, so every run feeds the same cases. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

// Hard cases on purpose: line breaks and SSE syntax inside content, a BOM, NUL, separators, astral characters.
const SPECIAL = ["\n", "\r", "\r\n", "\t", '"', "\\", "data: ", "id: 9", ":", "[DONE]", "\uFEFF", "\u0000", "\u2028", "😀", "𝒳", "👩🏽‍💻", "é", "中"];

function randomText(rng: Rng): string {
  let out = "";
  for (let n = rng.int(12); n > 0; n--) {
    const kind = rng.int(5);
    if (kind === 0) out += rng.pick(SPECIAL);
    else if (kind === 1) out += String.fromCharCode(0x20 + rng.int(0x5f));
    else if (kind === 2) out += String.fromCodePoint(0x10000 + rng.int(0x10ffff - 0x10000)); // astral
    else {
      // Any BMP character but a lone surrogate (those cannot be sent as UTF-8).
      const c = rng.int(0xfffe);
      out += String.fromCharCode(c >= 0xd800 && c <= 0xdfff ? c - 0x800 : c);
    }
  }
  return out;
}

/** An event's lines in a random but valid order and spelling. */
function eventLines(rng: Rng, o: { data: string; event?: string; id?: number }): string[] {
  const field = (name: string, value: string) => (rng.chance(0.2) ? `${name}:${value}` : `${name}: ${value}`);
  const head: string[] = [];
  if (o.event) head.push(field("event", o.event));
  if (o.id !== undefined) head.push(field("id", String(o.id)));
  if (rng.chance(0.1)) head.push(": a comment inside an event");
  if (rng.chance(0.5)) head.reverse();
  // JSON may be split over several data lines: they are joined with "\n", which JSON reads as whitespace.
  const cut = o.data.startsWith('{"content":') && rng.chance(0.2) ? '{"content":'.length : -1;
  const data = cut > 0 ? [o.data.slice(0, cut), o.data.slice(cut)] : [o.data];
  return [...head, ...data.map((d) => field("data", d)), ""];
}

interface Case {
  wire: Uint8Array;
  text: string;
  ids: string[];
  last: ChatStreamEvent;
  finish: boolean;
  failBody: boolean;
}

function randomAnswer(rng: Rng): Case {
  const lines: string[] = [];
  if (rng.chance(0.5)) lines.push(": ok", "");
  let id = 0;
  let text = "";
  const ids: string[] = [];
  for (let n = rng.int(20); n > 0; n--) {
    const roll = rng.int(10);
    if (roll === 0) lines.push(`: ping ${randomText(rng).replace(/[\r\n]/g, "")}`, "");
    else if (roll === 1) lines.push(`retry: ${rng.int(5000)}`, "");
    else if (roll === 2) lines.push(...eventLines(rng, { event: "usage", data: JSON.stringify({ n: rng.int(9) }), id: ++id }));
    else {
      const content = randomText(rng);
      const withId = rng.chance(0.9);
      lines.push(...eventLines(rng, { event: rng.chance(0.1) ? "message" : undefined, data: JSON.stringify({ content }), id: withId ? ++id : undefined }));
      text += content;
      if (withId) ids.push(String(id));
    }
  }
  const finish = rng.chance(0.5);
  if (finish) lines.push(...eventLines(rng, { event: "finish", data: JSON.stringify({ finish_reason: "stop", model: "m" }), id: ++id }));
  const ending = rng.int(3);
  let last: ChatStreamEvent;
  if (ending === 0) {
    lines.push(...eventLines(rng, { data: "[DONE]", id: ++id }));
    last = { type: "done" };
  } else if (ending === 1) {
    const error = { message: randomText(rng) || "x", type: "upstream_error", status: 502 };
    lines.push(...eventLines(rng, { event: "error", data: JSON.stringify(error), id: ++id }));
    last = { type: "error", error };
  } else {
    // Cut off: maybe in the middle of an event, which must then be dropped, not half-shown.
    if (rng.chance(0.5)) lines.push(`data: {"content":${JSON.stringify(randomText(rng))}}`);
    last = { type: "error", error: { message: "The connection closed before the answer was complete.", type: "connection_lost", status: 0 } };
  }
  let wire = rng.chance(0.1) ? "\uFEFF" : "";
  let previous = "";
  for (const line of lines) {
    let eol = rng.pick(["\n", "\r", "\r\n"]);
    // A lone CR followed by a blank line's LF would read as one CRLF, swallowing the blank line.
    if (previous === "\r" && line === "" && eol === "\n") eol = "\r\n";
    wire += line + eol;
    previous = eol;
  }
  return { wire: encoder.encode(wire), text, ids, last, finish, failBody: ending === 2 && rng.chance(0.3) };
}

/** The bytes cut at up to a dozen random points (empty chunks included). */
function randomChunks(rng: Rng, bytes: Uint8Array): Uint8Array[] {
  const cuts = Array.from({ length: rng.int(13) }, () => rng.int(bytes.length + 1)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const end of [...cuts, bytes.length]) {
    out.push(bytes.slice(start, end));
    start = end;
  }
  return out;
}

function sseResponse(chunks: Uint8Array[], failBody = false): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (failBody) controller.error(new TypeError("network"));
      else controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

async function collect(res: Response): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const e of readChatStream(res)) events.push(e);
  return events;
}

/** Whatever the input, the reader yields known events and ends with exactly one done or error. */
function expectWellFormed(events: ChatStreamEvent[]) {
  const ends = events.filter((e) => e.type === "done" || e.type === "error");
  expect(ends.length).toBe(1);
  expect(events.at(-1)).toBe(ends[0]!);
  for (const e of events) {
    expect(["delta", "finish", "done", "error"]).toContain(e.type);
    if (e.type === "delta") expect(typeof e.content).toBe("string");
    if (e.type === "error") expect(typeof e.error.message).toBe("string");
  }
}

describe("readChatStream fuzz", () => {
  test(`${CASES} random answers, split at random points, read back exactly`, async () => {
    const rng = prng(0xc0ffee);
    for (let n = 0; n < CASES; n++) {
      const c = randomAnswer(rng);
      let events: ChatStreamEvent[];
      try {
        events = await collect(sseResponse(randomChunks(rng, c.wire), c.failBody));
      } catch (err) {
        throw new Error(`case ${n}: the reader threw ${String(err)}`);
      }
      const text = events.flatMap((e) => (e.type === "delta" ? [e.content] : [])).join("");
      if (text !== c.text) throw new Error(`case ${n}: got ${JSON.stringify(text)}, sent ${JSON.stringify(c.text)}`);
      // Deltas of one read arrive joined, carrying the id of the last: the ids seen are an ordered
      // subsequence of those sent, ending with the last (what a re-attach after the final delta names).
      const seen = events.flatMap((e) => (e.type === "delta" && e.eventId ? [e.eventId] : []));
      expect(seen.every((id, i) => c.ids.indexOf(id) > (i === 0 ? -1 : c.ids.indexOf(seen[i - 1]!)))).toBe(true);
      expect(seen.at(-1)).toBe(c.ids.at(-1));
      expect(events.filter((e) => e.type === "finish").length).toBe(c.finish ? 1 : 0);
      expectWellFormed(events);
      expect(events.at(-1)).toEqual(c.last);
    }
  });

  test(`${CASES} bodies of random garbage never throw out of the reader`, async () => {
    const rng = prng(0xbadbeef);
    const pieces = ["data:", "data: ", "event: error", "event: finish", "event:", "id:", "id: 1", "retry:", ":", "\n", "\r", "\r\n", "\n\n", "[DONE]", "{", "}", '{"content":', '"', "null", "\uFEFF"];
    for (let n = 0; n < CASES; n++) {
      const parts: Uint8Array[] = [];
      for (let k = rng.int(60); k > 0; k--) {
        if (rng.chance(0.5)) parts.push(encoder.encode(rng.pick(pieces)));
        // Raw bytes: invalid UTF-8 (lone continuations, overlongs, 0xFF) included.
        else parts.push(Uint8Array.from({ length: 1 + rng.int(8) }, () => rng.int(256)));
      }
      const bytes = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
      parts.reduce((at, p) => (bytes.set(p, at), at + p.length), 0);
      let events: ChatStreamEvent[];
      try {
        events = await collect(sseResponse(randomChunks(rng, bytes), rng.chance(0.2)));
      } catch (err) {
        throw new Error(`case ${n}: the reader threw ${String(err)}`);
      }
      expectWellFormed(events);
    }
  });
});
