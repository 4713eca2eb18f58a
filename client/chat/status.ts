/** What GET /api/status says about the server. */
export interface ServerStatus {
  version: string;
  model: string;
  ready: boolean;
  /** Why chatting cannot work yet, in words an operator can act on. */
  problem?: string;
}

/** Asks the server whether it can chat. A server that cannot be asked is reported as a problem too. */
export async function fetchStatus(): Promise<ServerStatus> {
  try {
    const res = await fetch("/api/status", { headers: { Accept: "application/json" } });
    const body = (await res.json().catch(() => undefined)) as (ServerStatus & { error?: { message?: string } }) | undefined;
    if (res.ok && body && typeof body.ready === "boolean") return body;
    const problem = body?.error?.message ?? `The server answered ${res.status} to /api/status.`;
    return { version: "", model: "", ready: false, problem };
  } catch {
    return { version: "", model: "", ready: false, problem: "Could not reach the chat server. Is it running?" };
  }
}
