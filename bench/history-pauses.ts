/**
 * How long History's saves pause the event loop, SQLite only: many answers streaming at once through
 * `History` into a SqliteHistoryStore (the write path of bench/history-cost.ts, without the server runs),
 * with a 1 ms probe timer measuring every pause. Prints the worst pause, the 99th percentile and how many
 * pauses passed 15 ms, both in wall time and in this process's CPU time during the pause (on a loaded
 * machine a wall pause may be another process's turn; a CPU pause is ours), each store call's time,
 * the events saved per CPU-second, and checks every answer was saved whole.
 * Not a timed test: a measurement to read, a few seconds a run.
 *
 * Usage: bun bench/history-pauses.ts [answers=200] [tokens=500] [runs=3]
 * Env: NOOP_STORE=1 (no SQLite: the load's own pauses), PRAGMAS="a=1;b=2" (extra SQLite pragmas),
 * SLICE_ANSWERS, SLICE_CHARS (History's slice bounds).
 */
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { History } from "../src/history/history.ts";
import { SqliteHistoryStore } from "../src/history/sqlite-store.ts";
import type { StreamWriter } from "../src/resume/store.ts";
import { streamAnswers } from "./history-load.ts";

const answers = Number(process.argv[2] ?? 200);
const tokens = Number(process.argv[3] ?? 500);
const runs = Number(process.argv[4] ?? 3);

async function run(dir: string) {
  const path = join(dir, "history.sqlite");
  const store = new SqliteHistoryStore({ path, pragmas: process.env.PRAGMAS ? process.env.PRAGMAS.split(";") : [] });
  store.open();
  const calls: number[] = [];
  const save = store.saveAnswers.bind(store);
  // NOOP_STORE=1: everything but SQLite (frames, recording, parsing), for what the load itself pauses.
  const noop = process.env.NOOP_STORE === "1";
  store.saveAnswers = async (...args) => {
    const t = performance.now();
    try {
      return noop ? [] : await save(...args);
    } finally {
      calls.push(performance.now() - t);
    }
  };
  // SLICE_ANSWERS / SLICE_CHARS: other slice bounds than History's defaults.
  const slice = {
    ...(process.env.SLICE_ANSWERS && { answers: Number(process.env.SLICE_ANSWERS) }),
    ...(process.env.SLICE_CHARS && { chars: Number(process.env.SLICE_CHARS) }),
  };
  const history = new History({ store, log: (l) => console.log(l), slice });
  const sink: StreamWriter = { append() {}, end() {}, onStop() {}, hasReaders: async () => false };
  const writers = Array.from({ length: answers }, (_, i) =>
    history.record({
      start: {
        owner: "local",
        conversationId: `c${i}`,
        messages: [{ role: "user", content: `q${i}` }],
        settings: {},
        answerId: `a${i}`,
        streamId: crypto.randomUUID(),
        at: Date.now(),
      },
      writer: sink,
      report: () => {},
    }),
  );
  const pauses: number[] = [];
  const cpuPauses: number[] = [];
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  const probe = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    pauses.push(now - last - 1);
    cpuPauses.push((cpu.user + cpu.system) / 1000);
    last = now;
    lastCpu = process.cpuUsage();
  }, 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await streamAnswers(writers, tokens);
  await history.save();
  await history.save();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(probe);
  await history.close();
  const db = new Database(path, { readonly: true });
  const expected = Array.from({ length: Math.ceil(tokens / 4) * 4 }, (_, k) => ` token${k}`).join("");
  const bad = db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM messages WHERE role = 'assistant' AND (content != ? OR status != 'done')").get(expected)!.n;
  const saved = db.query<{ n: number }, []>("SELECT count(*) AS n FROM messages WHERE role = 'assistant'").get()!.n;
  db.close();
  if (!noop && (bad > 0 || saved !== answers)) throw new Error(`${bad} answers saved wrong, ${saved} of ${answers} saved`);
  const events = answers * (Math.ceil(tokens / 4) * 4 + 2);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const sum = (xs: number[]) => {
    xs.sort((a, b) => a - b);
    return `max ${xs.at(-1)!.toFixed(1)} ms, p99 ${xs[Math.floor(xs.length * 0.99)]!.toFixed(1)} ms, ${xs.filter((p) => p > 15).length} over 15 ms`;
  };
  console.log(
    `${answers} answers × ${tokens} tokens: ${events} events in ${ms.toFixed(0)} ms wall, ${cpuS.toFixed(2)} s CPU, ${(events / cpuS / 1e3).toFixed(0)}k events saved per CPU-second`,
  );
  console.log(`  pauses (wall): ${sum(pauses)}; (CPU): ${sum(cpuPauses)}; ${calls.length} store calls: ${sum(calls)}`);
}

for (let i = 0; i < runs; i++) {
  const dir = mkdtempSync(join(tmpdir(), "history-pauses-"));
  try {
    await run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
