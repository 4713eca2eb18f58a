import page from "../client/index.html";
import pkg from "../package.json";
import type { ChatDeps } from "./http/chat-route.ts";
import { handleChat, handleResume, handleStop } from "./http/chat-route.ts";
import type { Config } from "./config.ts";
import { type ChatError, errorResponse, internalError, methodNotAllowed, notFound } from "./errors.ts";
import { historyRoutes } from "./http/conversation-routes.ts";
import { Page } from "./page.ts";
import { checkAuth, checkHost, checkJson, checkOrigin } from "./security/guard.ts";

type Handler<R extends Request = Request> = (req: R, server: Bun.Server<unknown>) => Response | Promise<Response>;

const noSuchEndpoint = () => errorResponse(notFound());
const useInstead = (allow: string) => () => errorResponse(methodNotAllowed(allow), { Allow: allow });

/** The routes table: read it top to bottom to know what the server answers. */
export function startServer(deps: ChatDeps) {
  const { config } = deps;
  const { open, api, write, post } = guards(config);
  const client = new Page(page);
  const history = historyRoutes(deps);
  return Bun.serve({
    port: config.port,
    hostname: config.host,
    development: config.development,
    // Bun answers an EMPTY 413 above this, before our handler runs; our own limit (checked while
    // reading, with a JSON error) must always be the one a client meets.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    routes: {
      // In development the live bundle (with hot reload) is served as is, without our page headers.
      "/": config.development ? page : open(async (req) => (await client.serve(new URL(req.url).pathname)) ?? noSuchEndpoint()),
      "/healthz": new Response("ok\n", { headers: { "Content-Type": "text/plain" } }),
      "/api/status": { GET: api(() => Response.json(status(config), { headers: { "Cache-Control": "no-store" } })) },
      // Models the page may offer, listed by the upstream with the server's key.
      "/api/models": { GET: api(async () => Response.json(await deps.models.list(), { headers: { "Cache-Control": "no-store" } })) },
      "/api/chat": {
        POST: post((req, server) => handleChat(req, server, deps)),
        GET: useInstead("POST"),
        PUT: useInstead("POST"),
        DELETE: useInstead("POST"),
        PATCH: useInstead("POST"),
      },
      // Re-attach to an answer after a dropped connection or a reload (`Last-Event-ID` header).
      "/api/chat/:id/stream": { GET: api((req, server) => handleResume(req, server, deps)) },
      // Stop: ends the answer at once, on whichever instance generates it.
      "/api/chat/:id": { DELETE: write((req) => handleStop(req, deps)) },
      // Conversations kept on the server (CHAT_HISTORY=on), each owner's own: list (?q=, ?cursor=), import.
      "/api/conversations": { GET: api(history.list), POST: post(history.import) },
      // Each owner's changes as they are saved, for the page's other devices (an event stream).
      "/api/conversations/changes": { GET: api(history.changes) },
      "/api/conversations/:id": { GET: api(history.get), PUT: post(history.put), PATCH: post(history.rename), DELETE: write(history.remove) },
      "/api/conversations/:id/export": { GET: api(history.export) },
    },
    // Bundled assets (hashed script and style files) and everything unknown.
    fetch: open(async (req) => (req.method === "GET" && (await client.serve(new URL(req.url).pathname))) || noSuchEndpoint()),
    error(err) {
      console.error(`chat: unhandled error: ${err instanceof Error ? err.message : String(err)}`);
      return errorResponse(internalError());
    },
  });
}

/** Security checks before a handler: open (pages), api (reads), write (changes), post (JSON bodies). */
function guards(config: Config) {
  const run =
    (checks: Array<(req: Request, config: Config) => ChatError | undefined>) =>
    <R extends Request>(handler: Handler<R>): Handler<R> =>
    (req, server) => {
      for (const check of checks) {
        const err = check(req, config);
        if (err) return errorResponse(err, err.status === 401 ? { "WWW-Authenticate": "Bearer" } : undefined);
      }
      return handler(req, server);
    };
  return {
    open: run([checkHost]),
    api: run([checkHost, checkAuth]),
    write: run([checkHost, checkOrigin, checkAuth]),
    post: run([checkHost, checkOrigin, checkJson, checkAuth]),
  };
}

/** What the page needs to know to greet the user: which model, and whether chatting can work. */
function status(config: Config) {
  const ready = Boolean(config.apiKey || config.baseURL);
  return {
    version: pkg.version,
    model: config.model,
    ready,
    // The page keeps conversations on the server, or in the browser only.
    history: config.history.enabled,
    ...(!ready && {
      problem: "No API key: set OPENAI_API_KEY (or OPENAI_BASE_URL for Ollama, vLLM or llama.cpp) and restart the server.",
    }),
  };
}
