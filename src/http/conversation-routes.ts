import type { Server } from "bun";
import type { Config } from "../config.ts";
import { ChatError, badRequest, conversationNotFound, errorResponse, historyDisabled, historyUnavailable } from "../errors.ts";
import { readBody } from "./request.ts";
import { ownerOf } from "../security/owners.ts";
import { RateLimiter } from "../security/rate-limit.ts";
import type { History } from "../history/history.ts";
import { BadCursor } from "../history/query.ts";
import { exportConversation, parseImport, parseSync } from "../history/transfer.ts";
import type { Change } from "../history/changes.ts";
import { RECORD_ID } from "../history/store.ts";
import type { Heartbeat } from "../wire/heartbeat.ts";
import { formatEvent } from "../wire/sse.ts";
import { sseResponse } from "../wire/sse-response.ts";

type WithId = Request & { params: { id: string } };

export interface HistoryRouteDeps {
  config: Config;
  heartbeat: Heartbeat;
  /** Absent when CHAT_HISTORY is off: every route then answers `history_disabled`. */
  history?: History | undefined;
}

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * The conversations REST API, each handler scoped to the request's owner: another owner's id is
 * answered exactly as an unknown one (404 `conversation_not_found`).
 */
export function historyRoutes(deps: HistoryRouteDeps) {
  // A budget of its own per client address, ten times the chat's (the page syncs in the background: a
  // list a minute, a fetch per change); none where the chat has none.
  const { requestsPerMinute } = deps.config.limits;
  const budget = new RateLimiter(requestsPerMinute * 10);
  const run =
    <R extends Request>(handler: (req: R, history: History, owner: string, server: Server<unknown>) => Promise<Response>) =>
    async (req: R, server: Server<unknown>): Promise<Response> => {
      if (!deps.history) return errorResponse(historyDisabled());
      // The address costs a system call (getpeername): asked only when there is a limit.
      const refused = requestsPerMinute > 0 ? budget.take(server.requestIP(req)?.address ?? "unknown") : undefined;
      if (refused) return errorResponse(refused);
      try {
        // Answers saved once a tick: what this instance streamed so far is saved first, so a client
        // reads (or renames) the conversation its last POST named.
        await deps.history.save();
        return await handler(req, deps.history, ownerOf(req), server);
      } catch (err) {
        if (err instanceof ChatError) return errorResponse(err);
        if (err instanceof BadCursor) return errorResponse(badRequest(err.message));
        console.error(`chat: history: ${req.method} ${new URL(req.url).pathname}: ${describe(err)}`);
        return errorResponse(historyUnavailable());
      }
    };

  /** Tells the owner's other pages; `by` is the page that asked (X-Chat-Client), so it skips its own echo. */
  const tell = (history: History, req: Request, owner: string, change: Change) => {
    const by = req.headers.get("x-chat-client");
    history.changes.publish(owner, { ...change, ...(by && RECORD_ID.test(by) && { by }) });
  };

  return {
    /** GET /api/conversations?limit=50&cursor=…&q=words: newest first. */
    list: run(async (req, history, owner) => {
      const url = new URL(req.url);
      const limit = Number(url.searchParams.get("limit") ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw badRequest("limit must be an integer from 1 to 200.");
      const page = await history.store.list(owner, {
        limit,
        cursor: url.searchParams.get("cursor") ?? undefined,
        search: url.searchParams.get("q") ?? undefined,
      });
      return Response.json({ items: page.items, next_cursor: page.next ?? null }, { headers: NO_STORE });
    }),

    /** GET /api/conversations/{id}: the page's Conversation (every version; stream ids of answers still streaming). */
    get: run<WithId>(async (req, history, owner) => {
      const c = await history.store.get(owner, req.params.id);
      if (!c) throw conversationNotFound();
      return Response.json(c, { headers: NO_STORE });
    }),

    /** GET /api/conversations/{id}/export: the page's JSON export file. */
    export: run<WithId>(async (req, history, owner) => {
      const c = await history.store.get(owner, req.params.id);
      if (!c) throw conversationNotFound();
      return new Response(`${JSON.stringify(exportConversation(c), null, 2)}\n`, {
        headers: { ...NO_STORE, "Content-Type": "application/json", "Content-Disposition": 'attachment; filename="conversation.json"' },
      });
    }),

    /** POST /api/conversations: imports one of the page's JSON exports as a new conversation (201). */
    import: run(async (req, history, owner) => {
      const saved = await history.store.insert(owner, parseImport(await readJson(req, deps.config), deps.config.limits));
      tell(history, req, owner, { id: saved.id, updatedAt: saved.updatedAt });
      return Response.json({ id: saved.id }, { status: 201, headers: { Location: `/api/conversations/${saved.id}` } });
    }),

    /** PATCH /api/conversations/{id} `{"title":"…"}` (null or "": the first question again). */
    rename: run<WithId>(async (req, history, owner) => {
      const body = (await readJson(req, deps.config)) as { title?: unknown } | null;
      const title = body && typeof body === "object" ? body.title : undefined;
      if (title !== null && (typeof title !== "string" || title.length > 200))
        throw badRequest('Send {"title":"…"} (at most 200 characters, or null).');
      if (!(await history.store.rename(owner, req.params.id, title?.trim() || undefined))) throw conversationNotFound();
      tell(history, req, owner, { id: req.params.id, updatedAt: Date.now() });
      return new Response(null, { status: 204 });
    }),

    /** DELETE /api/conversations/{id} (204). An answer still streaming into it goes on, unsaved. */
    remove: run<WithId>(async (req, history, owner) => {
      if (!(await history.store.remove(owner, req.params.id))) throw conversationNotFound();
      tell(history, req, owner, { id: req.params.id, removed: true });
      return new Response(null, { status: 204 });
    }),

    /**
     * PUT /api/conversations/{id}: the page's copy (store.ts ConversationSync), created when new (an
     * upload): `{"updatedAt"}` back. Answers the server wrote stay its own.
     */
    put: run<WithId>(async (req, history, owner) => {
      const { id } = req.params;
      if (!RECORD_ID.test(id)) throw badRequest('A conversation id is 1 to 100 letters, digits, "_" or "-".');
      const saved = await history.store.put(owner, parseSync(id, await readJson(req, deps.config), deps.config.limits));
      tell(history, req, owner, { id, updatedAt: saved.updatedAt });
      return Response.json(saved, { headers: NO_STORE });
    }),

    /**
     * GET /api/conversations/changes: an event stream of the owner's changes, one `data: {"id","updatedAt"
     * | "removed","streaming","by"}` each, with `: ping` while quiet: how the page's other devices keep up.
     */
    changes: run(async (req, history, owner, server) => {
      // Quiet for hours is normal here: the pings keep it open, never Bun's idle timeout (CHAT_HEARTBEAT_MS may exceed it).
      server.timeout(req, 0);
      const reader = new AbortController();
      const queue: string[] = [];
      let wake: (() => void) | undefined;
      const unsubscribe = history.changes.subscribe(owner, (change) => {
        // A page that stops reading cannot make the server hold its changes without end.
        if (queue.length < 1000) queue.push(formatEvent({ data: JSON.stringify(change) }));
        wake?.();
      });
      reader.signal.addEventListener("abort", () => (unsubscribe(), wake?.()), { once: true });
      async function* frames() {
        while (!reader.signal.aborted) {
          if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          if (queue.length > 0) yield queue.splice(0).join("");
        }
      }
      return sseResponse({ frames: frames(), heartbeat: deps.heartbeat, req, reader, onClose: unsubscribe });
    }),
  };
}

async function readJson(req: Request, config: Config): Promise<unknown> {
  const text = await readBody(req, config.limits);
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
}

function describe(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return `${typeof code === "string" ? `${code}: ` : ""}${err instanceof Error ? err.message : String(err)}`;
}
