/**
 * What the resume log costs per stream, alone: N logs of a slow answer (T one-token bursts each, as a
 * 50 ms stream's reads arrive), each with a reader that keeps up, then a full collection. Prints the
 * JS heap, the memory outside it (string storage) and RSS per stream, and the objects per stream.
 * In process, no network: for a change to the log's layout, next to `run.ts --phases streams`.
 *
 * Usage: bun bench/log-memory.ts [streams=2000] [tokens=200]
 */
import { heapStats } from "bun:jsc";
import { MemoryStreamStore } from "../src/resume/memory-store.ts";

const N = Number(process.argv[2] ?? 2000);
const T = Number(process.argv[3] ?? 200);
const store = new MemoryStreamStore({ maxEventsPerStream: 1e9, maxBytesPerStream: 1e12, maxBytesTotal: 1e15, ttlMs: 3_600_000 });
const scratch = Buffer.alloc(256);

Bun.gc(true);
const rss0 = process.memoryUsage().rss;
const h0 = heapStats();
const writers = [];
const readers = [];
for (let i = 0; i < N; i++) {
  writers.push(await store.create(`s${i}`));
  readers.push((await store.read(`s${i}`, 0, new AbortController().signal))![Symbol.asyncIterator]());
}
for (let t = 1; t <= T; t++) {
  for (let i = 0; i < N; i++) {
    // A fresh string per read, decoded from bytes, as DeltaFrames.take makes it.
    const n = scratch.write(`id: ${t}\ndata: {"content":" Token${t}"}\n\n`, 0, "latin1");
    writers[i]!.append({ text: scratch.toString("utf8", 0, n), first: t, last: t });
    if (t % 10 === 0) void readers[i]!.next();
  }
  if (t % 10 === 0) await Bun.sleep(0);
}
Bun.gc(true);
const h1 = heapStats();
const rss1 = process.memoryUsage().rss;
const kb = (bytes: number) => `${(bytes / N / 1024).toFixed(1)} KB`;
console.log(`${N} logs of ${T} one-token bursts, per stream: JS heap ${kb(h1.heapSize - h0.heapSize)}, outside it ${kb(h1.extraMemorySize - h0.extraMemorySize)}, RSS ${kb(rss1 - rss0)}, ${((h1.objectCount - h0.objectCount) / N).toFixed(0)} objects`);
const types = Object.entries(h1.objectTypeCounts)
  .map(([k, v]) => [k, v - (h0.objectTypeCounts[k] ?? 0)] as const)
  .filter(([, v]) => v >= N)
  .sort((a, b) => b[1] - a[1]);
console.log(`objects per stream by type: ${types.map(([k, v]) => `${k} ${(v / N).toFixed(1)}`).join(", ")}`);
void store.close();
