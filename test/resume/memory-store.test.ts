import { describe, expect, test } from "bun:test";
import { MemoryStreamStore } from "../../src/resume/memory-store.ts";
import type { BufferLimits } from "../../src/resume/store.ts";

const limits: BufferLimits = { maxEventsPerStream: 100, maxBytesPerStream: 10_000, maxBytesTotal: 20_000, ttlMs: 200 };

/** The frames read, in order. Frames here end in ";", since a reader may get several joined in one string. */
async function collect(it: AsyncIterable<string> | undefined): Promise<string[]> {
  let text = "";
  for await (const burst of it!) text += burst;
  return text.split(";").slice(0, -1);
}

describe("MemoryStreamStore", () => {
  test("a reader gets the frames after its last id, then the live ones, then stops at the end", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    w.append("1;");
    w.append("2;");
    w.append("3;");
    const reading = collect(await store.read("g", 1, new AbortController().signal));
    await Bun.sleep(5);
    w.append("4;");
    w.end("5;", "6;");
    expect(await reading).toEqual(["2", "3", "4", "5", "6"]);
  });

  test("replaying from 0 gives everything exactly once, and several readers see the same frames", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    const a = collect(await store.read("g", 0, new AbortController().signal));
    const b = collect(await store.read("g", 0, new AbortController().signal));
    for (let i = 1; i <= 50; i++) {
      w.append(`${i};`);
      if (i % 7 === 0) await Bun.sleep(1);
    }
    w.end("end;");
    const expected = [...Array.from({ length: 50 }, (_, i) => String(i + 1)), "end"];
    expect(await a).toEqual(expected);
    expect(await b).toEqual(expected);
  });

  test("frames written while a reader waits reach it together, as one socket write", async () => {
    const store = new MemoryStreamStore(limits);
    const w = await store.create("g");
    const bursts: string[] = [];
    const reading = (async () => {
      for await (const burst of (await store.read("g", 0, new AbortController().signal))!) bursts.push(burst);
    })();
    await Bun.sleep(5);
    for (let i = 1; i <= 100; i++) w.append(`${i};`);
    w.end("end;");
    await reading;
    expect(bursts.length).toBeLessThanOrEqual(2);
    expect(bursts.join("")).toBe(`${Array.from({ length: 100 }, (_, i) => `${i + 1};`).join("")}end;`);
  });

  test("an unknown id reads as undefined, and a finished one expires after its TTL", async () => {
    const store = new MemoryStreamStore(limits);
    expect(await store.read("nope", 0, new AbortController().signal)).toBeUndefined();
    const w = await store.create("g");
    w.end("done;");
    expect(await collect(await store.read("g", 0, new AbortController().signal))).toEqual(["done"]);
    await Bun.sleep(300);
    expect(await store.read("g", 0, new AbortController().signal)).toBeUndefined();
    expect(store.totalBytes).toBe(0);
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
    w.append("a;");
    w.append("b;");
    w.append("c;");
    expect(() => w.append("d;")).toThrow("passed 3 events");
    w.end("error;");
    expect(await collect(await store.read("g", 0, new AbortController().signal))).toEqual(["a", "b", "c", "error"]);

    const small = new MemoryStreamStore({ ...limits, maxBytesTotal: 10 });
    const x = await small.create("x");
    const y = await small.create("y");
    x.append("123456");
    expect(() => y.append("123456")).toThrow("buffer for all answers is full");
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
