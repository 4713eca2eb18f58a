import { SQL, type Subprocess } from "bun";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { captureOutput } from "./process-output.ts";

/**
 * A private Postgres cluster for tests and benchmarks: Debian's `postgresql` binaries
 * (/usr/lib/postgresql/<version>/bin), initdb into a temp folder, the server on a free loopback port
 * (127.0.0.1 only; its unix socket in the same temp folder), trust auth for the `postgres` user.
 * initdb and postgres refuse to run as root: as root (here and in CI) they run as the `postgres` OS
 * user (`setpriv`, which execs, so the child we hold is the postmaster itself) in a folder chowned to it.
 */

/** The newest installed version's bin folder, or undefined when Debian's postgresql is not installed. */
export const postgresBin: string | undefined = (() => {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, "bin", "initdb")) && existsSync(join(base, v, "bin", "postgres")))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && join(base, versions[0], "bin");
})();

export const hasPostgres = postgresBin !== undefined;

/** Thrown at import under CI=true when the binaries are missing: a missing Postgres must fail CI, not skip. */
export function requirePostgresInCI(): void {
  if (!hasPostgres && process.env.CI) {
    throw new Error("Postgres binaries are missing (/usr/lib/postgresql/*/bin/initdb): the Postgres history tests need them (apt-get install postgresql).");
  }
}

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  url: string;
  port: number;
  /** The postmaster's pid (its backends are its children), while it runs. */
  pid(): number | undefined;
  /** A URL for a new, empty database (one per call). */
  createDatabase(): Promise<string>;
  /** Everything the server logged since it last started. */
  output(): string;
  /** Stops the server (`fast`: connections ended, a clean shutdown; `immediate`: as a crash), keeping its files. */
  stop(mode?: "fast" | "immediate"): Promise<void>;
  /** Starts it again on the same port, with the same files. */
  start(): Promise<void>;
  /** Stops it and removes its files. */
  destroy(): Promise<void>;
}

const asPostgres = (cmd: string[]) =>
  process.getuid?.() === 0 ? ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--", ...cmd] : cmd;

/**
 * initdb + postgres on a free port. `durable: false` (the default, for tests) turns fsync off; the
 * benchmark keeps Postgres's defaults.
 */
export async function startPostgres(o: { durable?: boolean } = {}): Promise<PostgresServer> {
  if (!postgresBin) throw new Error("Postgres binaries are missing (/usr/lib/postgresql/*/bin); apt-get install postgresql");
  const bin = postgresBin;
  const dir = mkdtempSync(join(tmpdir(), "chat-pg-"));
  const data = join(dir, "data");
  if (process.getuid?.() === 0) {
    const { uid, gid } = await postgresIds();
    chownSync(dir, uid, gid);
  }
  const init = Bun.spawn(asPostgres([join(bin, "initdb"), "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]), {
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8" },
  });
  if ((await init.exited) !== 0) {
    const err = await new Response(init.stderr).text();
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${err}`);
  }
  const port = await freePort();
  const settings = [
    "listen_addresses=127.0.0.1",
    `unix_socket_directories=${dir}`,
    "max_connections=200",
    // Test logs are read on failure: connections and statements stay out of them.
    "log_min_messages=warning",
    // Not synchronous_commit=off: an immediate stop (the crash tests) would lose commits already acknowledged.
    ...(o.durable ? [] : ["fsync=off", "full_page_writes=off"]),
  ].flatMap((s) => ["-c", s]);
  let proc: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  let output = { text: () => "" };
  const start = async () => {
    const p = Bun.spawn(asPostgres([join(bin, "postgres"), "-D", data, "-p", String(port), ...settings]), {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
      env: { PATH: process.env.PATH ?? "", LANG: "C.UTF-8" },
    });
    proc = p;
    const out = captureOutput("postgres", p);
    output = out;
    // log_min_messages=warning hides "ready to accept connections": poll a connection instead.
    const deadline = performance.now() + 20_000;
    for (;;) {
      const sql = new SQL({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, max: 1, connectionTimeout: 2 });
      try {
        await sql`SELECT 1`;
        return;
      } catch (err) {
        if (p.exitCode !== null) throw new Error(`postgres exited with ${p.exitCode}:\n${out.text()}`);
        if (performance.now() > deadline) throw new Error(`postgres did not start in 20 s (${String(err)}):\n${out.text()}`);
        await Bun.sleep(30);
      } finally {
        await sql.close();
      }
    }
  };
  const stop = async (mode: "fast" | "immediate" = "fast") => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    // The postmaster's own shutdown signals: SIGINT is a fast shutdown, SIGQUIT an immediate one.
    p.kill(mode === "fast" ? "SIGINT" : "SIGQUIT");
    await p.exited;
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let n = 0;
  const admin = new SQL({ url, max: 1 });
  return {
    url,
    port,
    async createDatabase() {
      const name = `t${process.pid}_${++n}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return `postgres://postgres@127.0.0.1:${port}/${name}`;
    },
    pid: () => (proc && proc.exitCode === null ? proc.pid : undefined),
    output: () => output.text(),
    stop,
    start,
    async destroy() {
      await admin.close();
      await stop("fast");
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const id = async (flag: string) => {
    const p = Bun.spawn(["id", flag, "postgres"], { stdout: "pipe", stderr: "pipe" });
    const out = (await new Response(p.stdout).text()).trim();
    if ((await p.exited) !== 0) throw new Error("there is no `postgres` OS user to run Postgres as (apt-get install postgresql creates it)");
    return Number(out);
  };
  return { uid: await id("-u"), gid: await id("-g") };
}

async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  return port;
}
