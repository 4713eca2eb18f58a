import { describe, expect, test } from "bun:test";
import { MemoryStreamStore } from "../../src/resume/memory-store.ts";
import type { Burst } from "../../src/wire/burst.ts";
import type { BufferLimits } from "../../src/resume/store.ts";

const limits: BufferLimits = { maxEventsPerStream: 100, maxBytesPerStream: 10_000, maxBytesTotal: 20_000, ttlMs: 200 };

/** Frame `n` as the relay writes it; `d` is its data. */
const frame = (n: number, d: string | number = n) => `id: ${n}\ndata: ${d}\n\n`;
/** The frames `first` to `last` as one burst (what one network read becomes). */
const burst = (first: number, last = first, d?: (n: number) => string): Burst => {
  let text = "";
  for (let n = first; n <= last; n++) text += frame(n, d?.(n));
  return { text, first, last };
};
/** An answer's end: a named event, then [DONE]. */
const ending = (first: number, name = "finish"): Burst => ({ text: `event: ${name}\nid: ${first}\ndata: {}\n\nid: ${first + 1}\ndata: [DONE]\n\n`, first, last: first + 1 });

/** The ids of the frames read, in order (a reader may get several frames joined in one string). */
async function collect(it: AsyncIterable<string> | undefined): Promise<number[]> {
  let text = "";
  for await (const b of it!) text += b;
  return [...text.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
}

describe("MemoryStreamStore", () => {
  test("a reader gets the frames after its last id, then the live ones, then stops at the end", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    w.append(burst(1));
    w.append(burst(2));
    w.append(burst(3));
    const reading = collect(await store.read("g", 1, new AbortController().signal));
    await Bun.sleep(5);
    w.append(burst(4));
    w.end(ending(5));
    expect(await reading).toEqual([2, 3, 4, 5, 6]);
  });

  test.each([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])("a re-attach after id %d, inside a burst of several frames, gets exactly the frames after it", async (after) => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    w.append(burst(1, 4));
    w.append(burst(5, 7));
    w.end(ending(8));
    const text = await (async () => {
      let t = "";
      for await (const b of (await store.read("g", after, new AbortController().signal))!) t += b;
      return t;
    })();
    let expected = "";
    for (let n = after + 1; n <= 7; n++) expected += frame(n);
    if (after < 8) expected += "event: finish\nid: 8\ndata: {}\n\n";
    expected += "id: 9\ndata: [DONE]\n\n";
    expect(text).toBe(after === 9 ? "" : expected);
  });

  test("replaying from 0 gives everything exactly once, and several readers see the same frames", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    const a = collect(await store.read("g", 0, new AbortController().signal));
    const b = collect(await store.read("g", 0, new AbortController().signal));
    for (let i = 1; i <= 50; i++) {
      w.append(burst(i));
      if (i % 7 === 0) await Bun.sleep(1);
    }
    w.end(ending(51));
    const expected = Array.from({ length: 52 }, (_, i) => i + 1);
    expect(await a).toEqual(expected);
    expect(await b).toEqual(expected);
  });

  test("after a slow stream of one-token bursts, a re-attach after any id gets exactly the rest", async () => {
    const store = new MemoryStreamStore({ ...limits, maxEventsPerStream: 1000, maxBytesPerStream: 100_000, maxBytesTotal: 100_000 });
    const w = await store.create("g");
    for (let i = 1; i <= 100; i++) w.append(burst(i));
    w.end(ending(101));
    for (let after = 0; after <= 102; after++) {
      let text = "";
      for await (const b of (await store.read("g", after, new AbortController().signal))!) text += b;
      const expected = after <= 100 ? (after < 100 ? burst(after + 1, 100).text : "") + ending(101).text : after === 101 ? "id: 102\ndata: [DONE]\n\n" : "";
      expect(text).toBe(expected);
    }
  });

  test("a reader that falls behind gets every frame once, in order", async () => {
    const store = new MemoryStreamStore({ ...limits, maxEventsPerStream: 1000, maxBytesPerStream: 100_000, maxBytesTotal: 100_000 });
    const w = await store.create("g");
    const it = (await store.read("g", 0, new AbortController().signal))![Symbol.asyncIterator]();
    let text = "";
    for (let i = 1; i <= 100; i++) {
      w.append(burst(i));
      // The reader takes one wake-up's worth now and then, far behind the writer in between.
      if (i % 13 === 0) text += (await it.next()).value;
    }
    w.end(ending(101));
    for (let r = await it.next(); !r.done; r = await it.next()) text += r.value;
    expect(text).toBe(burst(1, 100).text + ending(101).text);
  });

  test("text in any script, past the log's first buffer, comes back exactly, whole or from inside a burst", async () => {
    const store = new MemoryStreamStore({ ...limits, maxEventsPerStream: 1000, maxBytesPerStream: 100_000, maxBytesTotal: 100_000 });
    const w = await store.create("g");
    const words = ["héllo", "日本語のテキスト", "🙂👍🏽", "Ελληνικά", "\\u00e9 \\\" quoted"];
    const d = (n: number) => JSON.stringify({ content: `${words[n % words.length]} ${n}` });
    for (let i = 1; i <= 60; i += 3) w.append(burst(i, i + 2, d));
    w.end(ending(61));
    const all = burst(1, 60, d).text + ending(61).text;
    for (const after of [0, 1, 2, 30, 31, 59, 60]) {
      let text = "";
      for await (const b of (await store.read("g", after, new AbortController().signal))!) text += b;
      expect(text).toBe(after === 0 ? all : all.slice(all.indexOf(after === 60 ? "event: finish" : frame(after + 1, d(after + 1)))));
    }
  });

  test("frames written while a reader waits reach it together, as one socket write", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    const bursts: string[] = [];
    const reading = (async () => {
      for await (const b of (await store.read("g", 0, new AbortController().signal))!) bursts.push(b);
    })();
    await Bun.sleep(5);
    for (let i = 1; i <= 100; i += 10) w.append(burst(i, i + 9));
    w.end(ending(101));
    await reading;
    expect(bursts.length).toBeLessThanOrEqual(2);
    expect(bursts.join("")).toBe(burst(1, 100).text + ending(101).text);
  });

  test("an unknown id reads as undefined, and a finished one expires after its TTL", async () => {
    const store = new MemoryStreamStore(limits);
    expect(await store.read("nope", 0, new AbortController().signal)).toBeUndefined();
    const w = await store.create("g");
    w.end(ending(1));
    expect(await collect(await store.read("g", 0, new AbortController().signal))).toEqual([1, 2]);
    await Bun.sleep(300);
    expect(await store.read("g", 0, new AbortController().signal)).toBeUndefined();
    expect(store.totalBytes).toBe(0);
  });

  test("finished answers expire each after its own TTL, in the order they ended", async () => {
    const store = new MemoryStreamStore(limits);
    const read = (id: string) => store.read(id, 0, new AbortController().signal);
    (await store.create("a")).end(ending(1));
    await Bun.sleep(100);
    (await store.create("b")).end(ending(1));
    const live = await store.create("c");
    await Bun.sleep(150);
    expect(await read("a")).toBeUndefined();
    expect(await collect(await read("b"))).toEqual([1, 2]);
    await Bun.sleep(100);
    expect(await read("b")).toBeUndefined();
    // An answer still being written never expires.
    live.append(burst(1));
    expect(await read("c")).toBeDefined();
  });

  test("a finished answer keeps its text but lets go of its producer (what a Stop would have reached)", async () => {
    const store = new MemoryStreamStore({ ...limits, ttlMs: 60_000 });
    const w = await store.create("g");
    const listenerFor = (producer: { stopped: boolean }) => () => void (producer.stopped = true);
    let producer: { stopped: boolean } | undefined = { stopped: false };
    const gone = new WeakRef(producer);
    w.onStop(listenerFor(producer));
    producer = undefined;
    w.end(ending(1));
    await Bun.sleep(0);
    Bun.gc(true);
    expect(gone.deref()).toBeUndefined();
    expect(await collect(await store.read("g", 0, new AbortController().signal))).toEqual([1, 2]);
    await store.close();
  });

  test("aborting a reader ends its iteration and it no longer counts as a reader", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    const ac = new AbortController();
    const reading = collect(await store.read("g", 0, ac.signal));
    await Bun.sleep(5);
    expect(await w.hasReaders()).toBe(true);
    ac.abort();
    expect(await reading).toEqual([]);
    expect(await w.hasReaders()).toBe(false);
  });

  test("limits per stream and in total throw a clear error, but the end frame always fits", async () => {
    const store = new MemoryStreamStore({ ...limits, maxEventsPerStream: 3 });
    const w = await store.create("g");
    w.append(burst(1));
    w.append(burst(2));
    w.append(burst(3));
    expect(() => w.append(burst(4))).toThrow("passed 3 events");
    w.end(ending(5, "error"));
    expect(await collect(await store.read("g", 0, new AbortController().signal))).toEqual([1, 2, 3, 5, 6]);

    const small = new MemoryStreamStore({ ...limits, maxBytesTotal: 30 });
    const x = await small.create("x");
    const y = await small.create("y");
    x.append(burst(1, 1, () => "123456"));
    expect(() => y.append(burst(1, 1, () => "123456"))).toThrow("buffer for all answers is full");
  });

  test("a burst that crosses a limit keeps exactly the frames that fit, as if they had come one by one", async () => {
    const events = new MemoryStreamStore({ ...limits, maxEventsPerStream: 6 });
    const a = await events.create("a");
    a.append(burst(1, 4));
    expect(() => a.append(burst(5, 9))).toThrow("passed 6 events");
    a.end(ending(10, "error"));
    expect(await collect(await events.read("a", 5, new AbortController().signal))).toEqual([6, 10, 11]);

    // Frames of 18 bytes (`id: N\ndata: xxxx\n\n`): 50 bytes hold two of them, not three.
    const bytes = new MemoryStreamStore({ ...limits, maxBytesPerStream: 50 });
    const b = await bytes.create("b");
    expect(() => b.append(burst(1, 5, () => "xxxx"))).toThrow("passed 50 bytes");
    expect(bytes.totalBytes).toBe(36);
    b.end(ending(6, "error"));
    expect(await collect(await bytes.read("b", 0, new AbortController().signal))).toEqual([1, 2, 6, 7]);
  });

  test("a Last-Event-ID past the last event is refused (resume_unavailable), live or finished; the last one itself is fine", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    const read = (after: number) => store.read("g", after, new AbortController().signal);
    // Before the first frame: only 0 can be continued from.
    await expect(read(1)).rejects.toMatchObject({ status: 409, type: "resume_unavailable" });
    w.append(burst(1, 3));
    await expect(read(4)).rejects.toMatchObject({ status: 409, type: "resume_unavailable", message: expect.stringContaining("after event 4") });
    const live = collect(await read(3));
    w.end(ending(4));
    expect(await live).toEqual([4, 5]);
    await expect(read(6)).rejects.toMatchObject({ type: "resume_unavailable", message: expect.stringContaining("ended at event 5") });
    await expect(read(99)).rejects.toMatchObject({ type: "resume_unavailable" });
    expect(await collect(await read(5))).toEqual([]);
  });

  test.each([0, 1, 2, 3, 4, 5, 6])("a re-attach after id %d, inside a burst of reasoning frames (event line before the id), gets exactly the frames after it", async (after) => {
    // What a reasoning model's read becomes: `event: reasoning` frames, then content frames.
    const reasoning = (n: number) => `event: reasoning\nid: ${n}\ndata: {"reasoning":"step ${n}"}\n\n`;
    const frames = [reasoning(1), reasoning(2), reasoning(3), frame(4, '{"content":"A"}'), reasoning(5), frame(6, '{"content":"B"}')];
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    w.append({ text: frames.slice(0, 5).join(""), first: 1, last: 5 });
    w.append({ text: frames[5]!, first: 6, last: 6 });
    w.end(ending(7));
    let text = "";
    for await (const b of (await store.read("g", after, new AbortController().signal))!) text += b;
    expect(text).toBe(frames.slice(after).join("") + ending(7).text);
  });

  test("a stop request reaches the writer's listeners once the id is known", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    let stopped = 0;
    w.onStop(() => stopped++);
    expect(await store.requestStop("g")).toBe(true);
    expect(await store.requestStop("unknown")).toBe(false);
    expect(stopped).toBe(1);
  });
});
