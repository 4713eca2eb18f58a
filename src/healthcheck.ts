/**
 * `chat --healthcheck`: GETs /healthz of the server this environment configures (PORT / --port; HOST,
 * a wildcard meaning loopback) and exits 0 on 200, 1 otherwise, within 3 s. For a container's HEALTHCHECK
 * on a base image with no curl or wget.
 */
export async function healthcheck(args: string[], env: Record<string, string | undefined>): Promise<number> {
  const flag = (name: string) => {
    const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return args[i]!.includes("=") ? args[i]!.slice(name.length + 3) : args[i + 1];
  };
  const port = flag("port") ?? env.PORT ?? "3000";
  let host = flag("host") ?? env.HOST ?? "127.0.0.1";
  if (host === "0.0.0.0" || host === "") host = "127.0.0.1";
  if (host === "::" || host === "[::]") host = "[::1]";
  else if (host.includes(":") && !host.startsWith("[")) host = `[${host}]`;
  const url = `http://${host}:${port}/healthz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
    if (res.status === 200) return 0;
    console.error(`chat: ${url} answered ${res.status}`);
  } catch (err) {
    console.error(`chat: ${url}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return 1;
}
