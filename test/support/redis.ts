import type { Subprocess } from "bun";

export interface RedisServer {
  url: string;
  port: number;
  proc: Subprocess;
  stop(): Promise<void>;
}

/** Starts Debian's redis-server on a free loopback port, with no persistence. */
export async function startRedis(): Promise<RedisServer> {
  const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
  const port = probe.port!;
  await probe.stop(true);
  const proc = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      const socket = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
      socket.end();
      break;
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error("redis-server did not start (is Debian's redis-server installed?)");
      await Bun.sleep(30);
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    proc,
    async stop() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
  };
}

export const hasRedis = () => Bun.which("redis-server") !== null;
