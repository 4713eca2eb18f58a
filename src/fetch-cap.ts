/**
 * Bun's fetch (which the OpenAI SDK uses) runs at most 256 requests at once and silently queues the
 * rest, unless BUN_CONFIG_MAX_HTTP_REQUESTS is in the environment when the process STARTS; setting it
 * later has no effect. So a process started without it runs itself again with it set, and relays
 * signals and the exit code. `bun run start` sets it in package.json and skips this hop.
 */
export const FETCH_CAP = "65535"; // Bun's maximum

export async function relaunchWithFetchCap(): Promise<void> {
  if (process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) return;
  const compiled = Bun.main.startsWith("/$bunfs/");
  // A compiled binary's argv[1] is its embedded entry path: pass only the user's arguments.
  const cmd = [process.execPath, ...process.argv.slice(compiled ? 2 : 1)];
  const child = Bun.spawn(cmd, {
    env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: FETCH_CAP },
    stdio: ["inherit", "inherit", "inherit"],
  });
  for (const sig of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.on(sig, () => child.kill(sig));
  process.exit(await child.exited);
}
