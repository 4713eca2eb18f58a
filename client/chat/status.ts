import { bearer } from "./auth.ts";

/** What GET /api/status says about the server. */
export interface ServerStatus {
  version: string;
  model: string;
  ready: boolean;
  /** The server keeps conversations (CHAT_HISTORY): the page syncs with it. */
  history?: boolean;
  /** Why chatting cannot work yet, in words an operator can act on. */
  problem?: string;
  /** The server wants an access token and this one (or none) was refused: `problem` says why. */
  unauthorized?: boolean;
}

/** Asks the server whether it can chat. A server that cannot be asked is reported as a problem too. */
export async function fetchStatus(opts: { token?: string; fetch?: typeof fetch } = {}): Promise<ServerStatus> {
  try {
    const res = await (opts.fetch ?? fetch)("/api/status", { headers: { Accept: "application/json", ...bearer(opts.token) } });
    const body = (await res.json().catch(() => undefined)) as (ServerStatus & { error?: { message?: string } }) | undefined;
    if (res.ok && body && typeof body.ready === "boolean") return body;
    const problem = body?.error?.message ?? `The server answered ${res.status} to /api/status.`;
    return { version: "", model: "", ready: false, problem, ...(res.status === 401 && { unauthorized: true }) };
  } catch {
    return { version: "", model: "", ready: false, problem: "Could not reach the chat server. Is it running?" };
  }
}
