import type { Config } from "../config.ts";
import { ChatError, badRequest, conversationNotFound, errorResponse, historyDisabled, historyUnavailable } from "../errors.ts";
import { readBody } from "./request.ts";
import { ownerOf } from "../security/owners.ts";
import type { History } from "../history/history.ts";
import { BadCursor } from "../history/query.ts";
import { exportConversation, parseImport } from "../history/transfer.ts";

type WithId = Request & { params: { id: string } };

export interface HistoryRouteDeps {
  config: Config;
  /** Absent when CHAT_HISTORY is off: every route then answers `history_disabled`. */
  history?: History | undefined;
}

const NO_STORE = { "Cache-Control": "no-store" };

/**
 * The conversations REST API, each handler scoped to the request's owner: another owner's id is
 * answered exactly as an unknown one (404 `conversation_not_found`).
 */
export function historyRoutes(deps: HistoryRouteDeps) {
  const run =
    <R extends Request>(handler: (req: R, history: History, owner: string) => Promise<Response>) =>
    async (req: R): Promise<Response> => {
      if (!deps.history) return errorResponse(historyDisabled());
      try {
        // Answers saved once a tick: what this instance streamed so far is saved first, so a client
        // reads (or renames) the conversation its last POST named.
        await deps.history.save();
        return await handler(req, deps.history, ownerOf(req));
      } catch (err) {
        if (err instanceof ChatError) return errorResponse(err);
        if (err instanceof BadCursor) return errorResponse(badRequest(err.message));
        console.error(`chat: history: ${req.method} ${new URL(req.url).pathname}: ${describe(err)}`);
        return errorResponse(historyUnavailable());
      }
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
      return Response.json({ id: saved.id }, { status: 201, headers: { Location: `/api/conversations/${saved.id}` } });
    }),

    /** PATCH /api/conversations/{id} `{"title":"…"}` (null or "": the first question again). */
    rename: run<WithId>(async (req, history, owner) => {
      const body = (await readJson(req, deps.config)) as { title?: unknown } | null;
      const title = body && typeof body === "object" ? body.title : undefined;
      if (title !== null && (typeof title !== "string" || title.length > 200))
        throw badRequest('Send {"title":"…"} (at most 200 characters, or null).');
      if (!(await history.store.rename(owner, req.params.id, title?.trim() || undefined))) throw conversationNotFound();
      return new Response(null, { status: 204 });
    }),

    /** DELETE /api/conversations/{id} (204). An answer still streaming into it goes on, unsaved. */
    remove: run<WithId>(async (req, history, owner) => {
      if (!(await history.store.remove(owner, req.params.id))) throw conversationNotFound();
      return new Response(null, { status: 204 });
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
