import { type Subprocess } from "bun";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { captureOutput } from "./process-output.ts";

const root = join(import.meta.dir, "..", "..");

export interface ChatServer {
  url: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the process printed so far (stdout + stderr). */
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/**
 * Starts the real server as a child process on a free loopback port: from source by default, or
 * the compiled binary with `{ binary: "dist/chat" }`. Resolves once it prints its address.
 */
export async function startChat(
  opts: { env?: Record<string, string>; binary?: string; args?: string[]; withoutFetchCapEnv?: boolean } = {},
): Promise<ChatServer> {
  const binary = opts.binary && (isAbsolute(opts.binary) ? opts.binary : join(root, opts.binary));
  const cmd = binary ? [binary] : [process.execPath, join(root, "src/main.ts")];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    PORT: "0",
    HOST: "127.0.0.1",
    // Set by `bun run start`; without it the server re-runs itself to set it (tested on its own).
    BUN_CONFIG_MAX_HTTP_REQUESTS: "65535",
    // Test hooks time out at 5 s: a server stopped with answers still open must not wait 10.
    CHAT_SHUTDOWN_GRACE_MS: "2000",
    // History is on by default, and changes what a disconnect does (the answer finishes unread): tests of
    // the relay itself run without it, and those of history turn it on, each in a folder of its own.
    CHAT_HISTORY: "off",
    CHAT_DATA_DIR: mkdtempSync(join(tmpdir(), "chat-data-")),
    ...opts.env,
  };
  if (opts.withoutFetchCapEnv) delete env.BUN_CONFIG_MAX_HTTP_REQUESTS;
  const proc = Bun.spawn([...cmd, ...(opts.args ?? [])], {
    // The binary runs from its own folder: proof it needs nothing from the repo.
    cwd: binary ? dirname(binary) : root,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const output = captureOutput("chat", proc);
  const url = (await output.waitFor(/listening on (http:\/\/[^\s/]+)/))[1]!;
  return {
    url,
    proc,
    output: output.text,
    async stop(signal = "SIGTERM") {
      if (proc.exitCode === null) proc.kill(signal);
      return proc.exited;
    },
  };
}
