import page from "../client/index.html";
import pkg from "../package.json";
import type { ChatDeps } from "./chat/route.ts";
import { handleChat } from "./chat/route.ts";
import { ChatError, errorResponse } from "./errors.ts";

const notFound = () => errorResponse(new ChatError({ status: 404, type: "not_found", message: "No such endpoint." }));
const methodNotAllowed = (allow: string) =>
  errorResponse(new ChatError({ status: 405, type: "method_not_allowed", message: `Use ${allow}.` }), { Allow: allow });

/** The routes table: read it top to bottom to know what the server answers. */
export function startServer(deps: ChatDeps) {
  const { config } = deps;
  return Bun.serve({
    port: config.port,
    hostname: config.host,
    development: config.development,
    // Bun answers an EMPTY 413 above this, before our handler runs; our own limit (checked while
    // reading, with a JSON error) must always be the one a client meets.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    routes: {
      "/": page,
      "/healthz": new Response("ok\n", { headers: { "Content-Type": "text/plain" } }),
      "/api/status": {
        GET: () => Response.json(status(deps), { headers: { "Cache-Control": "no-store" } }),
      },
      "/api/chat": {
        POST: (req, server) => handleChat(req, server, deps),
        GET: () => methodNotAllowed("POST"),
        PUT: () => methodNotAllowed("POST"),
        DELETE: () => methodNotAllowed("POST"),
        PATCH: () => methodNotAllowed("POST"),
      },
    },
    fetch: () => notFound(),
    error(err) {
      console.error(`chat: unhandled error: ${err instanceof Error ? err.message : String(err)}`);
      return errorResponse(new ChatError({ status: 500, type: "internal_error", message: "Internal server error." }));
    },
  });
}

/** What the page needs to know to greet the user: which model, and whether chatting can work. */
function status({ config }: ChatDeps) {
  const ready = Boolean(config.apiKey || config.baseURL);
  return {
    version: pkg.version,
    model: config.model,
    ready,
    ...(!ready && {
      problem: "No API key: set OPENAI_API_KEY (or OPENAI_BASE_URL for Ollama, vLLM or llama.cpp) and restart the server.",
    }),
  };
}
