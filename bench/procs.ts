/**
 * The benchmark's processes: spawned pinned to a core (`taskset`) with a raised `ulimit -n`, read
 * through /proc (CPU time, RSS), and stopped by their own pid only.
 */
import type { Subprocess } from "bun";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { captureOutput } from "../test/support/process-output.ts";

export const root = join(import.meta.dir, "..");
const TICK_US = 1_000_000 / 100; // CLK_TCK is 100 on Linux

export interface Proc {
  name: string;
  pid: number;
  url: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  output(): string;
  stop(): Promise<void>;
}

/** Spawns `cmd` pinned to `core` and resolves once it prints `listening …` with its address. */
export async function spawnServer(opts: {
  name: string;
  cmd: string[];
  env: Record<string, string>;
  core: number | undefined;
  cwd?: string;
  /** Turns the `listening` line into a URL. */
  url?: (line: string) => string;
}): Promise<Proc> {
  const pin = opts.core === undefined ? "" : `taskset -c ${opts.core} `;
  // exec keeps one pid through sh and taskset: /proc/<pid> is the server itself.
  const script = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec ${pin}"$@"`;
  const proc = Bun.spawn(["sh", "-c", script, "sh", ...opts.cmd], {
    cwd: opts.cwd ?? root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...opts.env },
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = captureOutput(opts.name, proc);
  const line = (await output.waitFor(/listening[^\n]*/))[0];
  const url = opts.url ? opts.url(line) : /(http:\/\/[^\s/]+)/.exec(line)![1]!;
  return {
    name: opts.name,
    pid: proc.pid,
    url,
    proc,
    output: output.text,
    async stop() {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

/** User + system CPU time of a process so far, µs (10 ms resolution). */
export function cpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_US; // utime, stime
  } catch {
    return 0;
  }
}

/** Current and peak resident set size, bytes. */
export function memory(pid: number): { rss: number; peak: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0) * 1024;
    return { rss: kb("VmRSS"), peak: kb("VmHWM") };
  } catch {
    return { rss: 0, peak: 0 };
  }
}

/** Busy CPU time of the whole machine so far, µs: with our own processes subtracted, the others' load. */
export function machineBusyUs(): number {
  const cpu = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = cpu as number[];
  return (user! + nice! + system! + irq! + softirq! + steal!) * TICK_US;
}

/** A free loopback port (listen on 0, read it, close). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}
