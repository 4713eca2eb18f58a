/**
 * What server-side history (CHAT_HISTORY=on) costs, with SQLite and with Postgres (DATABASE_URL), two ways:
 * 1. the write path in process: many answers streaming at once through `History` into the store
 *    (frames recorded, parsed and saved in one transaction every 500 ms): events saved per second of
 *    CPU (ours, and Postgres's server processes), each save's time, and the largest stall one save put
 *    on the event loop;
 * 2. through the server: time to first token with history off, on SQLite and on Postgres (alternating
 *    runs against the fake upstream), and the server's CPU per relayed event.
 * Postgres is a private cluster (test/support/postgres.ts) with its default, durable settings (fsync,
 * synchronous_commit on), on loopback; skipped with a note when Debian's postgresql is not installed.
 * Not a timed test: a measurement to read, bounded to about two minutes.
 *
 * Usage: bun bench/history-cost.ts [answers=200] [tokens=500] [chats=300] [gap-ms=0]
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { History } from "../src/history/history.ts";
import { PostgresHistoryStore } from "../src/history/postgres-store.ts";
import { SqliteHistoryStore } from "../src/history/sqlite-store.ts";
import type { HistoryStore } from "../src/history/store.ts";
import type { StreamWriter } from "../src/resume/store.ts";
import { startChat } from "../test/support/chat-server.ts";
import { fakeText, startFakeOpenAI } from "../test/support/fake-openai.ts";
import { type PostgresServer, hasPostgres, startPostgres } from "../test/support/postgres.ts";
import { postChat, readSse, userSays } from "../test/support/sse.ts";
import { streamAnswers } from "./history-load.ts";
import { cpuUs } from "./procs.ts";

const answers = Number(process.argv[2] ?? 200);
const tokens = Number(process.argv[3] ?? 500);
const chats = Number(process.argv[4] ?? 300);
const gapMs = Number(process.argv[5] ?? 0);
const dir = mkdtempSync(join(tmpdir(), "history-bench-"));
type Kind = "sqlite" | "postgres";
let pg: PostgresServer | undefined;

/** CPU of the Postgres server so far, µs: the postmaster, its live children, and those it has reaped. */
function postgresCpuUs(): number {
  const pid = pg?.pid();
  if (pid === undefined) return 0;
  const fields = (p: number | string) => {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, "utf8");
      return stat.slice(stat.lastIndexOf(")") + 2).split(" ").map(Number);
    } catch {
      return undefined;
    }
  };
  const own = fields(pid)!;
  let ticks = own[11]! + own[12]! + own[13]! + own[14]!; // utime, stime, cutime, cstime
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    const f = fields(p);
    if (f && f[1] === pid) ticks += f[11]! + f[12]!;
  }
  return ticks * 10_000; // CLK_TCK 100
}

async function writePath(kind: Kind) {
  const inner: HistoryStore =
    kind === "sqlite" ? new SqliteHistoryStore({ path: join(dir, "history.sqlite") }) : new PostgresHistoryStore({ url: await pg!.createDatabase() });
  if (inner instanceof SqliteHistoryStore) inner.open();
  else await (inner as PostgresHistoryStore).open();
  // Each save's time, start to commit.
  const saves: number[] = [];
  const store: HistoryStore = Object.assign(Object.create(inner) as HistoryStore, {
    saveAnswers: async (...args: Parameters<HistoryStore["saveAnswers"]>) => {
      const t = performance.now();
      try {
        return await inner.saveAnswers(...args);
      } finally {
        saves.push(performance.now() - t);
      }
    },
    close: () => inner.close(),
  });
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
  let worstStall = 0;
  let last = performance.now();
  const probe = setInterval(() => {
    const now = performance.now();
    worstStall = Math.max(worstStall, now - last - 1);
    last = now;
  }, 1);
  const cpu0 = process.cpuUsage();
  const pg0 = postgresCpuUs();
  const t0 = performance.now();
  await streamAnswers(writers, tokens);
  await history.save();
  await history.save();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const pgS = (postgresCpuUs() - pg0) / 1e6;
  clearInterval(probe);
  await history.close();
  const events = answers * (Math.ceil(tokens / 4) * 4 + 2);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  saves.sort((a, b) => a - b);
  console.log(
    `write path (${kind}): ${answers} answers × ${tokens} tokens at once, 4 tokens a read every 20 ms = ${events} events in ${ms.toFixed(0)} ms wall, ${cpuS.toFixed(2)} s CPU here (frames made, recorded, parsed, saved)${kind === "postgres" ? ` + ${pgS.toFixed(2)} s in Postgres` : ""}`,
  );
  console.log(
    `            ${(events / cpuS / 1e3).toFixed(0)}k events saved per CPU-second here${kind === "postgres" ? ` (${(events / (cpuS + pgS) / 1e3).toFixed(0)}k counting Postgres)` : ""}; ${saves.length} saves, p50 ${saves[Math.floor(saves.length / 2)]!.toFixed(1)} ms, max ${saves.at(-1)!.toFixed(1)} ms; worst event-loop stall ${worstStall.toFixed(1)} ms`,
  );
}

async function ttft() {
  const modes: ("off" | Kind)[] = ["off", "sqlite", ...(pg ? ["postgres" as const] : [])];
  console.log(`TTFT: ${chats} chats of 50 tokens one after another, ${gapMs} ms between them, 3 runs a mode (${modes.join(", ")}) in rotating order`);
  const fake = startFakeOpenAI({ tokens: 50 });
  const expected = fakeText({ tokens: 50 });
  const run = async (mode: "off" | Kind) => {
    const env: Record<string, string> = { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: "sk-bench", CHAT_HISTORY: mode === "off" ? "off" : "on" };
    if (mode === "sqlite") env.CHAT_DATA_DIR = join(dir, `server-${crypto.randomUUID()}`);
    if (mode === "postgres") env.DATABASE_URL = await pg!.createDatabase();
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
      const pg0 = postgresCpuUs();
      const times: number[] = [];
      for (let i = 0; i < chats; i++) {
        times.push(await once());
        // With a gap, the previous answer's final save is not inside the next answer's wait.
        if (gapMs > 0) await Bun.sleep(gapMs);
      }
      const cpu = (cpuUs(chat.proc.pid) - cpu0) / (chats * 52);
      const pgCpu = mode === "postgres" ? (postgresCpuUs() - pg0) / (chats * 52) : 0;
      // Correctness checks: the answer is the fake's text, and history saved without a failure.
      const s = await readSse(await postChat(chat.url, userSays("hi")));
      if (s.text !== expected) throw new Error("bad answer");
      if (chat.output().includes("chat: history: cannot")) throw new Error(`history failed:\n${chat.output()}`);
      if (mode === "postgres" && !chat.output().includes("conversations kept in Postgres")) throw new Error("not on Postgres");
      times.sort((a, b) => a - b);
      return { p50: times[Math.floor(chats / 2)]!, p95: times[Math.floor(chats * 0.95)]!, cpu, pgCpu };
    } finally {
      await chat.stop();
    }
  };
  const results = new Map<string, { p50: number; p95: number; cpu: number; pgCpu: number }[]>(modes.map((m) => [m, []]));
  const label = (m: string) => (m === "off" ? "history off     " : `history ${m.padEnd(8)}`);
  for (let i = 0; i < 3; i++) {
    // Each mode goes first once, so none always runs on a warmer machine.
    for (const mode of [...modes.slice(i % modes.length), ...modes.slice(0, i % modes.length)]) {
      const r = await run(mode);
      results.get(mode)!.push(r);
      console.log(
        `${label(mode)}: TTFT p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, server CPU ${r.cpu.toFixed(2)} µs/event${mode === "postgres" ? `, Postgres ${r.pgCpu.toFixed(2)} µs/event` : ""}`,
      );
    }
  }
  const med = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
  for (const [k, rs] of results) {
    console.log(
      `median ${label(k)}: TTFT p50 ${med(rs.map((r) => r.p50)).toFixed(2)} ms, p95 ${med(rs.map((r) => r.p95)).toFixed(2)} ms, ${med(rs.map((r) => r.cpu)).toFixed(2)} µs/event${k === "postgres" ? ` + Postgres ${med(rs.map((r) => r.pgCpu)).toFixed(2)}` : ""}`,
    );
  }
  await fake.stop();
}

try {
  if (hasPostgres) pg = await startPostgres({ durable: true });
  else console.log("Postgres: skipped (no /usr/lib/postgresql/*/bin; apt-get install postgresql)");
  await writePath("sqlite");
  if (pg) await writePath("postgres");
  await ttft();
} finally {
  await pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
}
