import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh data folder for one server's history. */
export const dataDir = () => mkdtempSync(join(tmpdir(), "chat-data-"));

/** Calls the API as an owner (a bearer token, or none). */
export function api(url: string, token: string | undefined) {
  const headers = (extra: Record<string, string> = {}) => ({ ...(token && { Authorization: `Bearer ${token}` }), ...extra });
  const json = { "Content-Type": "application/json" };
  return {
    chat: (body: unknown, init: RequestInit = {}) =>
      fetch(`${url}/api/chat`, { method: "POST", headers: headers(json), body: JSON.stringify(body), ...init }),
    resume: (id: string, init: RequestInit = {}) => fetch(`${url}/api/chat/${id}/stream`, { headers: headers(), ...init }),
    stop: (id: string) => fetch(`${url}/api/chat/${id}`, { method: "DELETE", headers: headers() }),
    list: (query = "") => fetch(`${url}/api/conversations${query}`, { headers: headers() }),
    get: (id: string) => fetch(`${url}/api/conversations/${id}`, { headers: headers() }),
    export: (id: string) => fetch(`${url}/api/conversations/${id}/export`, { headers: headers() }),
    import: (body: unknown) => fetch(`${url}/api/conversations`, { method: "POST", headers: headers(json), body: JSON.stringify(body) }),
    rename: (id: string, title: string | null) =>
      fetch(`${url}/api/conversations/${id}`, { method: "PATCH", headers: headers(json), body: JSON.stringify({ title }) }),
    remove: (id: string) => fetch(`${url}/api/conversations/${id}`, { method: "DELETE", headers: headers() }),
    put: (id: string, body: unknown, client?: string) =>
      fetch(`${url}/api/conversations/${id}`, {
        method: "PUT",
        headers: headers({ ...json, ...(client && { "X-Chat-Client": client }) }),
        body: JSON.stringify(body),
      }),
    changes: (init: RequestInit = {}) => fetch(`${url}/api/conversations/changes`, { headers: headers(), ...init }),
  };
}

export interface SavedMessage {
  id: string;
  parent?: string;
  role: string;
  content: string;
  status?: string;
  streamId?: string;
  finishReason?: string;
  error?: { type: string };
}
export interface SavedConversation {
  id: string;
  title?: string;
  leaf?: string;
  settings: Record<string, unknown>;
  messages: SavedMessage[];
}

/** Polls GET /api/conversations/{id} until `ready` holds (or fails after `ms`). */
export async function waitForConversation(
  client: ReturnType<typeof api>,
  id: string,
  ready: (c: SavedConversation) => boolean,
  ms = 10_000,
): Promise<SavedConversation> {
  const until = performance.now() + ms;
  let last: unknown;
  while (performance.now() < until) {
    const res = await client.get(id);
    last = res.status === 200 ? await res.json() : res.status;
    if (res.status === 200 && ready(last as SavedConversation)) return last as SavedConversation;
    await Bun.sleep(50);
  }
  throw new Error(`conversation ${id} not ready after ${ms} ms: ${JSON.stringify(last).slice(0, 500)}`);
}

export const answerOf = (c: SavedConversation) => c.messages.find((m) => m.id === c.leaf)!;
