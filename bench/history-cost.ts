/**
 * What server-side history (CHAT_HISTORY=on) costs, two ways:
 * 1. the write path in process: many answers streaming at once into one SQLite file through `History`
 *    (frames recorded, parsed and saved in one transaction every 500 ms): events saved per second of
 *    CPU, and the largest stall one save put on the event loop;
 * 2. through the server: time to first token with history on and off (alternating runs against the fake
 *    upstream), and the server's CPU per relayed event.
 * Not a timed test: a measurement to read, bounded to about a minute.
 *
 * Usage: bun bench/history-cost.ts [answers=200] [tokens=500] [chats=300] [gap-ms=0]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { History } from "../src/history/history.ts";
import { SqliteHistoryStore } from "../src/history/sqlite-store.ts";
import type { StreamWriter } from "../src/resume/store.ts";
import { AnswerFrames } from "../src/wire/answer-frames.ts";
import { startChat } from "../test/support/chat-server.ts";
import { fakeText, startFakeOpenAI } from "../test/support/fake-openai.ts";
import { postChat, readSse, userSays } from "../test/support/sse.ts";
import { cpuUs } from "./procs.ts";

const answers = Number(process.argv[2] ?? 200);
const tokens = Number(process.argv[3] ?? 500);
const chats = Number(process.argv[4] ?? 300);
const gapMs = Number(process.argv[5] ?? 0);
const dir = mkdtempSync(join(tmpdir(), "history-bench-"));

async function writePath() {
  const store = new SqliteHistoryStore({ path: join(dir, "history.sqlite") });
  store.open();
  const history = new History({ store, log: (l) => console.log(l) });
  const sink: StreamWriter = { append() {}, end() {}, onStop() {}, hasReaders: async () => false };
  const writers = Array.from({ length: answers }, (_, i) =>
    history.record({
      start: {
        owner: "local",
        conversationId: crypto.randomUUID(),
        messages: [{ role: "user", content: `q${i}` }],
        settings: {},
        answerId: crypto.randomUUID(),
        streamId: crypto.randomUUID(),
        at: Date.now(),
      },
      writer: sink,
      report: () => {},
    }),
  );
  const frames = writers.map(() => new AnswerFrames());
  let worstStall = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    worstStall = Math.max(worstStall, now - last - 1);
    last = now;
  }, 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // Every answer gets a token a turn, 4 tokens a "network read", yielding between reads as a relay does.
  for (let t = 0; t < tokens; t += 4) {
    for (let a = 0; a < answers; a++) {
      const f = frames[a]!;
      for (let k = 0; k < 4; k++) f.content(` token${t + k}`);
      writers[a]!.append(f.take()!);
    }
    // A read every 20 ms per answer (200 tokens/s each): the saves happen at their ticks, among the reads.
    await Bun.sleep(20);
  }
  for (let a = 0; a < answers; a++) {
    const f = frames[a]!;
    f.event("finish", '{"finish_reason":"stop"}');
    f.done();
    writers[a]!.end(f.take()!);
  }
  await history.save();
  await history.save();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(probe);
  await history.close();
  const events = answers * (Math.ceil(tokens / 4) * 4 + 2);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(
    `write path: ${answers} answers × ${tokens} tokens at once, 4 tokens a read every 20 ms = ${events} events in ${ms.toFixed(0)} ms wall, ${cpuS.toFixed(2)} s CPU (frames made, recorded, parsed, saved)`,
  );
  console.log(`            ${(events / cpuS / 1e3).toFixed(0)}k events saved per CPU-second; worst event-loop stall ${worstStall.toFixed(1)} ms`);
}

async function ttft() {
  console.log(`TTFT: ${chats} chats of 50 tokens one after another, ${gapMs} ms between them, 3 runs a mode alternating`);
  const fake = startFakeOpenAI({ tokens: 50 });
  const expected = fakeText({ tokens: 50 });
  const run = async (on: boolean) => {
    const env: Record<string, string> = { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: "sk-bench" };
    if (on) Object.assign(env, { CHAT_HISTORY: "on", CHAT_DATA_DIR: join(dir, `server-${crypto.randomUUID()}`) });
    const chat = await startChat({ env });
    try {
      const once = async () => {
        const t0 = performance.now();
        const res = await postChat(chat.url, userSays("hi"));
        const reader = res.body!.getReader();
        const dec = new TextDecoder();
        let text = "";
        let first = 0;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          text += dec.decode(value, { stream: true });
          if (!first && text.includes('"content"')) first = performance.now() - t0;
        }
        return first;
      };
      for (let i = 0; i < 30; i++) await once();
      const cpu0 = cpuUs(chat.proc.pid);
      const times: number[] = [];
      for (let i = 0; i < chats; i++) {
        times.push(await once());
        // With a gap, the previous answer's final save is not inside the next answer's wait.
        if (gapMs > 0) await Bun.sleep(gapMs);
      }
      const cpu = (cpuUs(chat.proc.pid) - cpu0) / (chats * 52);
      // One correctness check: the answer is the fake's text.
      const s = await readSse(await postChat(chat.url, userSays("hi")));
      if (s.text !== expected) throw new Error("bad answer");
      times.sort((a, b) => a - b);
      return { p50: times[Math.floor(chats / 2)]!, p95: times[Math.floor(chats * 0.95)]!, cpu };
    } finally {
      await chat.stop();
    }
  };
  const results: Record<string, { p50: number; p95: number; cpu: number }[]> = { off: [], on: [] };
  for (let i = 0; i < 3; i++) {
    for (const on of i % 2 ? [true, false] : [false, true]) {
      const r = await run(on);
      results[on ? "on" : "off"]!.push(r);
      console.log(
        `history ${on ? "on " : "off"}: TTFT p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, server CPU ${r.cpu.toFixed(2)} µs/event`,
      );
    }
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
  for (const k of ["off", "on"]) {
    const rs = results[k]!;
    console.log(
      `median history ${k}: TTFT p50 ${med(rs.map((r) => r.p50)).toFixed(2)} ms, p95 ${med(rs.map((r) => r.p95)).toFixed(2)} ms, ${med(rs.map((r) => r.cpu)).toFixed(2)} µs/event`,
    );
  }
  await fake.stop();
}

try {
  await writePath();
  await ttft();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
