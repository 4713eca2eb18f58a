/**
 * `bun run bench`: the relay's benchmark, all on 127.0.0.1. Starts the lean fake upstream
 * (bench/upstream.ts), the two floor relays (bench/floor.ts with `fetch`, bench/floor-sdk.ts with the
 * openai SDK) and `dist/chat` built to a temp path, drives them with the raw-socket load client
 * (bench/client.ts), and prints one table.
 *
 *   bun bench/run.ts            full run (5–8 minutes on 2 busy cores)
 *   bun bench/run.ts --smoke    seconds; checks it all still works; exits 1 on any failure (CI)
 *   bun bench/run.ts --out F    also writes the table as markdown to F
 *   bun bench/run.ts --source D dist/chat built from another checkout (e.g. a `git worktree` of HEAD,
 *                              when the working tree is mid-edit)
 *   --binary B                  measure this prebuilt executable instead of building one
 *   --against B                 also measure executable B: interleaved in the TTFT and throughput
 *                              phases, after dist/chat in the streams phase (an A/B of a change)
 *   --floors none               skip the floors in the streams phase (a quicker A/B)
 *   --phases ttft,throughput,streams,cold,assets   run only some (default: all)
 *   --streams 1000,10000        the N of the concurrent-streams phase;  --rounds R  interleaved rounds
 *   BENCH_SMOKE=1               same as --smoke
 *
 * On a machine with 2+ cores the servers under test run on core 1 and the harness (upstream + client)
 * on core 0; the harness's CPU is in the table so it shows when the harness is the limit.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import type { Job, Result } from "./client.ts";
import { type Proc, cpuUs, freePort, machineBusyUs, memory, root, spawnServer } from "./procs.ts";
import { fmt, markdown, percentile, type Row } from "./report.ts";

const args = process.argv.slice(2);
const smoke = args.includes("--smoke") || process.env.BENCH_SMOKE === "1";
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const outFile = option("--out");
const source = option("--source") ?? root;
const phases = new Set((option("--phases") ?? "ttft,throughput,streams,cold,assets").split(","));

const P = smoke
  ? { rounds: 1, ttftRequests: 20, warmup: 20, tputMs: 300, tputC: 4, streams: [20], streamTokens: 10, streamDelay: 5, cold: 1 }
  : { rounds: 3, ttftRequests: 300, warmup: 400, tputMs: 3000, tputC: 32, streams: [1000, 5000, 10_000], streamTokens: 200, streamDelay: 50, cold: 7 };
if (option("--streams")) P.streams = option("--streams")!.split(",").map(Number);
if (option("--rounds")) P.rounds = Number(option("--rounds"));

const twoCores = cpus().length >= 2;
const HARNESS_CORE = twoCores ? 0 : undefined;
const SERVER_CORE = twoCores ? 1 : undefined;
const FETCH_CAP = { BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" };
const problems: string[] = [];
const work = mkdtempSync(join(tmpdir(), "chat-bench-"));
const procs: Proc[] = [];
const started = performance.now();
const busy0 = machineBusyUs();
const load0 = loadavg();

// Ctrl-C or a CI timeout must not leave servers behind.
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    for (const p of [...procs]) p.proc.kill("SIGKILL");
    rmSync(work, { recursive: true, force: true });
    process.exit(130);
  });
}

try {
  await main();
} catch (err) {
  problems.push(`harness error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
} finally {
  for (const p of [...procs]) await p.stop();
  rmSync(work, { recursive: true, force: true });
}
if (problems.length > 0) {
  console.error(`\nbench: FAILED\n- ${problems.join("\n- ")}`);
  process.exit(1);
}
console.log(smoke ? "\nbench: smoke OK" : "\nbench: OK");
process.exit(0);

async function main() {
  const binary = option("--binary") ?? join(work, "chat");
  if (!option("--binary")) {
    const build = Bun.spawnSync(["bun", "src/build.ts", binary], { cwd: source, stdout: "pipe", stderr: "pipe" });
    if (build.exitCode !== 0) throw new Error(`build failed:\n${build.stderr.toString()}`);
    log(`built ${binary} from ${source}`);
  }

  const upstream = await start({ name: "upstream", cmd: ["bun", "bench/upstream.ts"], env: {}, core: HARNESS_CORE, url: (l) => `http://127.0.0.1:${l.split(" ")[1]}` });
  const maxStreams = String(Math.max(...P.streams) + 1000);
  const chatEnv = (extra: Record<string, string> = {}) => ({
    PORT: "0",
    HOST: "127.0.0.1",
    OPENAI_BASE_URL: `${upstream.url}/v1`,
    OPENAI_API_KEY: "sk-bench",
    OPENAI_MODEL: "gpt-fake",
    CHAT_MAX_STREAMS: maxStreams,
    // The relay's own cost, as round one measured it; what history adds is bench/history-cost.ts's.
    CHAT_HISTORY: "off",
    ...FETCH_CAP,
    ...extra,
  });
  const floorEnv = { PORT: "0", UPSTREAM: `${upstream.url}/v1`, ...FETCH_CAP };
  const startFloor = () => start({ name: "floor", cmd: ["bun", "bench/floor.ts"], env: floorEnv, core: SERVER_CORE });
  const startFloorSdk = () => start({ name: "floor+SDK", cmd: ["bun", "bench/floor-sdk.ts"], env: floorEnv, core: SERVER_CORE });
  const startChat = () => start({ name: "dist/chat", cmd: [binary], env: chatEnv(), core: SERVER_CORE, cwd: work });

  const rows: Row[] = [];
  const floor = await startFloor();
  const floorSdk = await startFloorSdk();
  const chat = await startChat();
  const against = option("--against");
  const baseline = against ? await start({ name: "against", cmd: [against], env: chatEnv(), core: SERVER_CORE, cwd: work }) : undefined;
  const targets = [
    { name: "direct", url: upstream.url, kind: "direct" as const, pid: upstream.pid },
    { name: "floor", url: floor.url, kind: "relay" as const, pid: floor.pid },
    { name: "floor+SDK", url: floorSdk.url, kind: "relay" as const, pid: floorSdk.pid },
    { name: "dist/chat", url: chat.url, kind: "relay" as const, pid: chat.pid },
    ...(baseline ? [{ name: "against", url: baseline.url, kind: "relay" as const, pid: baseline.pid }] : []),
  ];

  // Warm every path (JIT, connection pools) before anything is measured.
  for (const t of phases.has("ttft") || phases.has("throughput") ? targets : []) await client({ url: t.url, kind: t.kind, concurrency: 8, requests: P.warmup, durationMs: 10_000, timeoutMs: 20_000, tokens: 20, delay: 0 }, `${t.name} warm-up`);

  // Interleaved rounds, so a burst of load from elsewhere hits all three alike.
  const ttft: Record<string, { p50: number[]; p99: number[] }> = {};
  const tput: Record<string, { eps: number[]; serverUsPerEvent: number[]; harnessCpu: number[]; otherCores: number[] }> = {};
  for (let r = 0; r < P.rounds; r++) {
    for (const t of phases.has("ttft") ? targets : []) {
      const res = await client({ url: t.url, kind: t.kind, concurrency: 1, requests: P.ttftRequests, durationMs: 30_000, timeoutMs: 40_000, tokens: 5, delay: 0 }, `${t.name} ttft`);
      (ttft[t.name] ??= { p50: [], p99: [] }).p50.push(percentile(res.ttft, 0.5));
      ttft[t.name]!.p99.push(percentile(res.ttft, 0.99));
    }
    for (const t of phases.has("throughput") ? targets : []) {
      const pids = [upstream.pid, ...(t.pid === upstream.pid ? [] : [t.pid])];
      const before = pids.map(cpuUs);
      const busy = machineBusyUs();
      const res = await client(
        { url: t.url, kind: t.kind, concurrency: P.tputC, requests: 10_000_000, durationMs: P.tputMs, timeoutMs: P.tputMs + 10_000, tokens: 200, delay: 0 },
        `${t.name} throughput`,
      );
      const used = pids.map((pid, i) => cpuUs(pid) - before[i]!);
      const serverUs = used[used.length - 1]!;
      const upstreamUs = t.pid === upstream.pid ? 0 : used[0]!;
      const others = machineBusyUs() - busy - used.reduce((a, b) => a + b, 0) - res.cpuUs;
      const s = (tput[t.name] ??= { eps: [], serverUsPerEvent: [], harnessCpu: [], otherCores: [] });
      s.eps.push((res.events / res.wallMs) * 1000);
      s.serverUsPerEvent.push(serverUs / res.events);
      s.harnessCpu.push((res.cpuUs + upstreamUs) / (res.wallMs * 1000));
      s.otherCores.push(Math.max(0, others) / (res.wallMs * 1000));
    }
  }
  const direct = ttft.direct ?? { p50: [], p99: [] };
  for (const t of phases.has("ttft") ? targets.slice(1) : []) {
    const own = ttft[t.name]!;
    const added = (k: "p50" | "p99") => own[k].map((v, i) => v - direct[k][i]!);
    rows.push({ target: t.name, metric: "added TTFT p50 (ms)", values: added("p50"), goal: t.name === "dist/chat" ? { max: 0.3 } : undefined });
    rows.push({ target: t.name, metric: "added TTFT p99 (ms)", values: added("p99"), goal: t.name === "dist/chat" ? { max: 1.5 } : undefined });
  }
  for (const t of phases.has("ttft") ? targets : []) {
    rows.push({ target: t.name, metric: "TTFT p50 / p99 (ms)", text: `${fmt(median(ttft[t.name]!.p50))} / ${fmt(median(ttft[t.name]!.p99))}` });
  }
  const floorEps = tput.floor?.eps ?? [];
  for (const t of phases.has("throughput") ? targets : []) {
    const s = tput[t.name]!;
    rows.push({ target: t.name, metric: `throughput, events/s (C=${P.tputC}, no delay)`, values: s.eps });
    if (t.name !== "direct" && t.name !== "floor") rows.push({ target: t.name, metric: "throughput ÷ floor", values: s.eps.map((v, i) => v / floorEps[i]!), goal: t.name === "dist/chat" ? { min: 0.9 } : undefined });
    rows.push({ target: t.name, metric: t.name === "direct" ? "upstream CPU µs per event" : "server CPU µs per relayed event", values: s.serverUsPerEvent });
    rows.push({ target: t.name, metric: "harness CPU during it (cores; client+upstream)", values: s.harnessCpu });
    rows.push({ target: t.name, metric: "other agents' CPU during it (cores)", values: s.otherCores });
  }
  await floor.stop();
  await floorSdk.stop();
  await chat.stop();
  await baseline?.stop();

  if (phases.has("streams")) {
    rows.push(...(await streams({ name: "dist/chat", start: startChat, upstreamPid: upstream.pid })));
    if (against) rows.push(...(await streams({ name: "against", start: () => start({ name: "against", cmd: [against], env: chatEnv(), core: SERVER_CORE, cwd: work }), upstreamPid: upstream.pid })));
    if (option("--floors") !== "none") {
      rows.push(...(await streams({ name: "floor", start: startFloor, upstreamPid: upstream.pid, only: [Math.max(...P.streams)] })));
      rows.push(...(await streams({ name: "floor+SDK", start: startFloorSdk, upstreamPid: upstream.pid, only: [Math.max(...P.streams)] })));
    }
  }
  if (phases.has("cold")) {
    rows.push(...(await coldStart(binary, chatEnv)));
    rows.push(...(await floorColdStart("floor", "bench/floor.ts", `${upstream.url}/v1`)));
    rows.push(...(await floorColdStart("floor+SDK", "bench/floor-sdk.ts", `${upstream.url}/v1`)));
  }
  rows.push({ target: "dist/chat", metric: "binary size (MiB)", values: [Bun.file(binary).size / 1024 / 1024] });
  if (phases.has("assets")) rows.push(...(await clientAssets(binary, chatEnv)));

  const wallS = (performance.now() - started) / 1000;
  const others = (machineBusyUs() - busy0) / 1e6 / wallS;
  const env = [
    `date ${new Date().toISOString()}, Bun ${Bun.version}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}, mode ${smoke ? "smoke" : "full"}, ${fmt(wallS)} s`,
    `servers on core ${SERVER_CORE ?? "any"}, harness on core ${HARNESS_CORE ?? "any"}; machine busy ${fmt(others)} cores on average (ours + others); load average ${load0} → ${loadavg()}`,
  ];
  const table = markdown(rows, env);
  console.log(`\n${table}`);
  if (outFile) writeFileSync(outFile, table);
}

/** N concurrent streams of 200 tokens at 50 ms against a fresh server: completion, RSS, gaps. */
async function streams(opts: { name: string; start: () => Promise<Proc>; upstreamPid: number; only?: number[] }): Promise<Row[]> {
  const { upstreamPid } = opts;
  const rows: Row[] = [];
  for (const n of opts.only ?? P.streams) {
    const server = await opts.start();
    const url = server.url;
    await client({ url, kind: "relay", concurrency: 8, requests: 50, durationMs: 10_000, timeoutMs: 20_000, tokens: 20, delay: 0 }, `${opts.name} warm-up`);
    await Bun.sleep(300);
    const base = memory(server.pid).rss;
    const cpu0 = cpuUs(server.pid);
    const up0 = cpuUs(upstreamPid);
    const busy = machineBusyUs();
    let res: Result;
    // The server's open descriptors, sampled: a relayed stream holds two sockets, against `ulimit -n`.
    let peakFds = 0;
    const limit = fdLimit(server.pid);
    const fdSampler = setInterval(() => (peakFds = Math.max(peakFds, openFds(server.pid))), 100);
    try {
      res = await client(
        { url, kind: "relay", concurrency: n, requests: n, durationMs: 300_000, timeoutMs: 30_000 + n * 12, tokens: P.streamTokens, delay: P.streamDelay, rampBatch: 250 },
        `${opts.name} ${n} streams`,
      );
    } catch (err) {
      problems.push((err as Error).message);
      rows.push({ target: opts.name, metric: `N=${n}: streams complete with exact text`, text: "harness error (see log)", pass: false });
      await server.stop();
      continue;
    } finally {
      clearInterval(fdSampler);
    }
    const wallUs = res.wallMs * 1000;
    const serverUs = cpuUs(server.pid) - cpu0;
    const upstreamUs = cpuUs(upstreamPid) - up0;
    const others = Math.max(0, machineBusyUs() - busy - serverUs - upstreamUs - res.cpuUs);
    if (res.failed > 0) problems.push(`${opts.name} ${n} streams, the server's last words: ${server.output().slice(-600)}`);
    const { peak } = memory(server.pid);
    await server.stop();
    const label = `${opts.name}`;
    const goal = opts.name === "dist/chat" && n === 10_000;
    rows.push({ target: label, metric: `N=${n}: streams complete with exact text`, text: `${res.ok}/${n}${res.failed ? ` (${describeFailures(res)})` : ""}`, pass: goal ? res.ok === n : undefined });
    rows.push({ target: label, metric: `N=${n}: peak open fds, sampled every 100 ms (ulimit -n ${limit})`, text: String(peakFds) });
    rows.push({ target: label, metric: `N=${n}: peak RSS (MB) / per stream (KB)`, text: `${fmt(peak / 1e6)} / ${fmt((peak - base) / n / 1024)}`, pass: goal ? (peak - base) / n / 1024 <= 40 : undefined });
    rows.push({ target: label, metric: `N=${n}: gap between events p50 / p99 / max (ms)`, text: `${fmt(res.gap.p50)} / ${fmt(res.gap.p99)} / ${fmt(res.gap.max)}` });
    rows.push({ target: label, metric: `N=${n}: each stream's worst gap, p50 / p99 over streams (ms)`, text: `${fmt(res.worstGap.p50)} / ${fmt(res.worstGap.p99)}` });
    rows.push({ target: label, metric: `N=${n}: TTFT p99 (ms), wall (s; ideal ${fmt((P.streamTokens * P.streamDelay) / 1000)})`, text: `${fmt(percentile(res.ttft, 0.99))}, ${fmt(res.wallMs / 1000)}` });
    rows.push({
      target: label,
      metric: `N=${n}: CPU in cores: server / harness (client+upstream) / other agents`,
      text: `${fmt(serverUs / wallUs)} / ${fmt((res.cpuUs + upstreamUs) / wallUs)} / ${fmt(others / wallUs)}`,
    });
  }
  return rows;
}

/** Spawn → first complete answer, with the fetch cap set and without it (the server execs itself, same PID). */
async function coldStart(binary: string, chatEnv: (extra?: Record<string, string>) => Record<string, string>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const cap of [true, false]) {
    const times: number[] = [];
    const idle: number[] = [];
    for (let i = 0; i < P.cold; i++) {
      const port = freePort();
      const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...chatEnv({ PORT: String(port) }) };
      if (!cap) delete env.BUN_CONFIG_MAX_HTTP_REQUESTS;
      const t0 = performance.now();
      const proc = Bun.spawn([binary], { cwd: work, env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
      try {
        const answered = await firstAnswer(`http://127.0.0.1:${port}`, 10_000);
        if (answered === undefined) throw new Error("no answer in 10 s");
        times.push(answered - t0);
        await Bun.sleep(1000);
        idle.push(treeRss(proc.pid));
      } catch (err) {
        problems.push(`cold start (${cap ? "with" : "without"} fetch cap): ${(err as Error).message}`);
      } finally {
        // Before the execve (session 18) the relaunched server was a child: kill any child by its own pid.
        for (const child of childPids(proc.pid)) process.kill(child, "SIGKILL");
        proc.kill("SIGKILL");
        await proc.exited;
      }
    }
    const how = cap ? "BUN_CONFIG_MAX_HTTP_REQUESTS set" : "without it: execs itself";
    rows.push({ target: "dist/chat", metric: `cold start, spawn → first answer (ms), ${how}`, values: times, goal: cap ? { max: 30 } : undefined });
    if (cap) rows.push({ target: "dist/chat", metric: "idle RSS after one answer (MB)", values: idle.map((b) => b / 1e6), goal: { max: 50 } });
    else rows.push({ target: "dist/chat", metric: "idle RSS, process tree (MB), without cap", values: idle.map((b) => b / 1e6) });
  }
  return rows;
}

/**
 * The same measurement for a floor relay compiled the same way (bytecode, minified): what Bun itself
 * (and, for floor+SDK, Bun with the SDK) costs to start and to hold one idle server, the references
 * for the ≤ 30 ms and ≤ 50 MB targets.
 */
async function floorColdStart(name: string, file: string, upstreamURL: string): Promise<Row[]> {
  const floorBinary = join(work, name.replace(/\W/g, "-"));
  const build = Bun.spawnSync(["bun", "build", "--compile", "--minify", "--bytecode", file, "--outfile", floorBinary], { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (build.exitCode !== 0) {
    problems.push(`${name} build failed: ${build.stderr.toString().slice(0, 300)}`);
    return [];
  }
  const times: number[] = [];
  const idle: number[] = [];
  for (let i = 0; i < P.cold; i++) {
    const port = freePort();
    const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: String(port), UPSTREAM: upstreamURL, ...FETCH_CAP };
    const t0 = performance.now();
    const proc = Bun.spawn([floorBinary], { cwd: work, env, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    try {
      const answered = await firstAnswer(`http://127.0.0.1:${port}`, 10_000);
      if (answered === undefined) throw new Error("no answer in 10 s");
      times.push(answered - t0);
      await Bun.sleep(1000);
      idle.push(memory(proc.pid).rss);
    } catch (err) {
      problems.push(`${name} cold start: ${(err as Error).message}`);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }
  return [
    { target: name, metric: "cold start, spawn → first answer (ms), compiled the same way", values: times },
    { target: name, metric: "idle RSS after one answer (MB), compiled", values: idle.map((b) => b / 1e6) },
  ];
}

/** Polls until the first chat answer is complete; resolves performance.now() then, or undefined. */
async function firstAnswer(url: string, timeoutMs: number): Promise<number | undefined> {
  const deadline = performance.now() + timeoutMs;
  const body = JSON.stringify({ messages: [{ role: "user", content: "[fake tokens=1]" }] });
  while (performance.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/chat`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
      const text = await res.text();
      if (res.status === 200 && text.includes("Token0") && text.includes("[DONE]")) return performance.now();
      throw new Error(`answered ${res.status}: ${text.slice(0, 200)}`);
    } catch (err) {
      if (!/refused|ECONNREFUSED|Unable to connect/i.test(String((err as Error).message) + String((err as { code?: string }).code))) throw err;
    }
    await Bun.sleep(1);
  }
  return undefined;
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

function fdLimit(pid: number): string {
  try {
    return /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${pid}/limits`, "utf8"))?.[1] ?? "?";
  } catch {
    return "?";
  }
}

/** RSS of a process and its children (the relaunched server). */
function treeRss(pid: number): number {
  return childPids(pid).reduce((sum, child) => sum + memory(child).rss, memory(pid).rss);
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** The page's own .js/.css, as served, raw and gzipped (level 9). */
async function clientAssets(binary: string, chatEnv: (extra?: Record<string, string>) => Record<string, string>): Promise<Row[]> {
  const chat = await start({ name: "dist/chat", cmd: [binary], env: chatEnv(), core: SERVER_CORE, cwd: work });
  try {
    const html = await (await fetch(`${chat.url}/`)).text();
    const paths = [...html.matchAll(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    if (paths.length === 0) throw new Error(`no .js/.css referenced by the page:\n${html.slice(0, 500)}`);
    let raw = 0;
    let gz = 0;
    for (const p of paths) {
      const bytes = new Uint8Array(await (await fetch(`${chat.url}${p}`)).arrayBuffer());
      raw += bytes.byteLength;
      gz += Bun.gzipSync(bytes, { level: 9 }).byteLength;
    }
    return [{ target: "dist/chat", metric: `client JS+CSS, ${paths.length} files: raw / gzipped (KB)`, text: `${fmt(raw / 1024)} / ${fmt(gz / 1024)}` }];
  } finally {
    await chat.stop();
  }
}

async function start(opts: Parameters<typeof spawnServer>[0]): Promise<Proc> {
  const p = await spawnServer(opts);
  procs.push(p);
  const stop = p.stop;
  p.stop = async () => {
    await stop();
    const i = procs.indexOf(p);
    if (i !== -1) procs.splice(i, 1);
  };
  return p;
}

async function client(job: Job, label: string): Promise<Result> {
  const pin = HARNESS_CORE === undefined ? [] : ["taskset", "-c", String(HARNESS_CORE)];
  const proc = Bun.spawn([...pin, "sh", "-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', "sh", "bun", "bench/client.ts", JSON.stringify(job)], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  // The client stops itself at job.timeoutMs; this is the backstop if it cannot.
  const killer = setTimeout(() => proc.kill("SIGKILL"), job.timeoutMs + 30_000);
  const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  await proc.exited;
  clearTimeout(killer);
  let res: Result;
  try {
    res = JSON.parse(out.trim().split("\n").pop() ?? "") as Result;
  } catch {
    throw new Error(`${label}: the client printed no result (exit ${proc.exitCode}, signal ${proc.signalCode}):\n${out.slice(-500)}\n${err.slice(-1000)}`);
  }
  if (res.failed > 0) problems.push(`${label}: ${res.failed} failed (${describeFailures(res)})`);
  log(`${label}: ${res.ok} ok, ${res.failed} failed, ${res.events} events in ${fmt(res.wallMs)} ms, client CPU ${fmt(res.cpuUs / 1000 / res.wallMs)} cores`);
  return res;
}

function describeFailures(res: Result): string {
  return Object.entries(res.failures)
    .map(([k, v]) => `${v}× ${k}`)
    .join("; ")
    .slice(0, 300);
}

function median(xs: number[]): number {
  return percentile(xs, 0.5);
}

function loadavg(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}

function log(line: string): void {
  console.error(`[${fmt((performance.now() - started) / 1000)} s] ${line}`);
}
