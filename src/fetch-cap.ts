import { compiled } from "./compiled.ts";

/**
 * Bun's fetch (which the OpenAI SDK uses) runs at most 256 requests at once and silently queues the
 * rest, unless BUN_CONFIG_MAX_HTTP_REQUESTS is in the environment when the process STARTS; setting it
 * later has no effect. So a process started without it replaces itself (execve: same PID, no parent
 * left behind, one start-up more of ~40 ms) with the same executable and arguments and the variable
 * set. PID 1 in a container and systemd's main PID are therefore the server itself. `bun run start`
 * sets it in package.json and skips this hop.
 */
export const FETCH_CAP = "65535"; // Bun's maximum

/** The argv to exec: the executable, then the script (from source) and the user's arguments. */
export function execArgv(argv: readonly string[], execPath: string, compiled: boolean): string[] {
  // A compiled binary's argv[1] is its embedded entry path (/$bunfs/…): pass only the user's arguments.
  return [execPath, ...argv.slice(compiled ? 2 : 1)];
}

export function relaunchWithFetchCap(): void {
  if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) return;
  const env = { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: FETCH_CAP };
  // Does not return on success. On failure (it should not: the file is the one running) go on
  // capped rather than not at all, and say so.
  try {
    if (!process.execve) throw new Error("process.execve is missing (Bun older than 1.4.5?)");
    process.execve(process.execPath, execArgv(process.argv, process.execPath, compiled), env);
  } catch (err) {
    console.warn(`chat: could not re-exec with BUN_CONFIG_MAX_HTTP_REQUESTS set (${err instanceof Error ? err.message : String(err)}); upstream requests are capped at 256 at once`);
  }
}
