/**
 * Every failure a user can see: its stable `type` (what clients and traces key on) and its HTTP status.
 * The status here is the default; an upstream error keeps the upstream's own 4xx.
 */
const STATUS = {
  // The request
  invalid_request_error: 400,
  model_not_allowed: 400,
  unauthorized: 401,
  host_not_allowed: 403,
  origin_not_allowed: 403,
  not_found: 404,
  method_not_allowed: 405,
  request_timeout: 408,
  request_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  too_many_streams: 429,
  // The answer's life: stopped by the user, abandoned by every reader, or the client went away
  stopped: 499,
  abandoned: 499,
  aborted: 499,
  // Resume
  stream_not_found: 404,
  resume_unavailable: 409,
  resume_buffer_full: 507,
  resume_store_unavailable: 503,
  generation_lost: 502,
  // History (conversations kept on the server)
  history_disabled: 404,
  conversation_not_found: 404,
  invalid_import: 400,
  history_unavailable: 503,
  // The upstream
  upstream_auth_error: 401,
  upstream_permission_error: 403,
  model_not_found: 404,
  upstream_error: 502,
  upstream_unreachable: 502,
  upstream_incomplete: 502,
  upstream_empty: 502,
  upstream_timeout: 504,
  // The server
  internal_error: 500,
  configuration_error: 503,
  server_shutting_down: 503,
} as const;

export type ErrorType = keyof typeof STATUS;

/** Every failure a user can see, with the HTTP status and a stable `type`. */
export class ChatError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  /** Seconds the client should wait before retrying (429 / 503), when known. */
  readonly retryAfter: number | undefined;

  constructor(type: ErrorType, message: string, opts: { status?: number; retryAfter?: number | undefined } = {}) {
    super(message);
    this.name = "ChatError";
    this.type = type;
    this.status = opts.status ?? STATUS[type];
    this.retryAfter = opts.retryAfter;
  }

  /** The answer ended because its reader went away, not because anything failed. */
  get clientGone(): boolean {
    return this.type === "aborted";
  }

  /** The body both the JSON error response and the SSE `event: error` carry. */
  toJSON(): { message: string; type: string; status: number; retry_after?: number } {
    const body: { message: string; type: string; status: number; retry_after?: number } = {
      message: this.message,
      type: this.type,
      status: this.status,
    };
    if (this.retryAfter !== undefined) body.retry_after = this.retryAfter;
    return body;
  }
}

/** A 4xx/5xx JSON answer in OpenAI's shape: `{"error":{"message","type"}}`. */
export function errorResponse(err: ChatError, headers?: HeadersInit): Response {
  const h = new Headers(headers);
  if (err.retryAfter !== undefined) h.set("Retry-After", String(err.retryAfter));
  return Response.json({ error: err.toJSON() }, { status: err.status, headers: h });
}

// One factory per kind of failure a user can meet, with the message they read.

export const badRequest = (message: string) => new ChatError("invalid_request_error", message);

export const tooLarge = (message: string) => new ChatError("request_too_large", message);

export const requestTimeout = (ms: number) => new ChatError("request_timeout", `The request body took longer than ${ms} ms to arrive.`);

export const modelNotAllowed = (model: string) => new ChatError("model_not_allowed", `The model "${model}" is not offered by this server.`);

export const unauthorized = (tokenGiven: boolean) =>
  new ChatError("unauthorized", tokenGiven ? "The access token is wrong." : "This chat server needs an access token (CHAT_AUTH_TOKEN).");

export const hostNotAllowed = (host: string) =>
  new ChatError("host_not_allowed", `Host "${host}" is not allowed. Add it to CHAT_ALLOWED_HOSTS to serve it.`);

export const originNotAllowed = (origin: string) =>
  new ChatError("origin_not_allowed", `Requests from ${origin} are not allowed. Add it to CHAT_ALLOWED_ORIGINS to allow it.`);

export const unsupportedMediaType = () =>
  new ChatError("unsupported_media_type", "Send the request body as JSON with Content-Type: application/json.");

export const notFound = () => new ChatError("not_found", "No such endpoint.");

export const methodNotAllowed = (allow: string) => new ChatError("method_not_allowed", `Use ${allow}.`);

export const rateLimited = (message: string, retryAfter: number | undefined) => new ChatError("rate_limited", message, { retryAfter });

export const tooManyStreams = (message: string) => new ChatError("too_many_streams", message, { retryAfter: 1 });

export const stopped = () => new ChatError("stopped", "Stopped.");

export const abandoned = () => new ChatError("abandoned", "The answer was abandoned: no client was reading it.");

export const aborted = () => new ChatError("aborted", "The answer was stopped.");

export const streamNotFound = () => new ChatError("stream_not_found", "No such answer stream: it finished too long ago, or never existed.");

export const resumeUnavailable = (afterSeq: number, why: string) =>
  new ChatError(
    "resume_unavailable",
    `Cannot resume after event ${afterSeq}: ${why}. Re-attach without Last-Event-ID to get the whole answer, or retry.`,
  );

export const bufferFull = (what: string) =>
  new ChatError("resume_buffer_full", `The answer was cut: ${what}. Raise the CHAT_RESUME_MAX_* limits for longer answers.`);

export const resumeStoreUnavailable = (detail: string) =>
  new ChatError("resume_store_unavailable", `Lost the connection to Redis while resuming this answer: ${detail}`);

export const generationLost = () =>
  new ChatError("generation_lost", "The server writing this answer stopped; the text above is all that was saved. Retry to continue.");

export const historyDisabled = () =>
  new ChatError("history_disabled", "Conversations are not kept on this server: start it with CHAT_HISTORY=on.");

// The same answer for a conversation that never existed and one of another owner: no id leaks whose it is.
export const conversationNotFound = () => new ChatError("conversation_not_found", "No such conversation.");

export const invalidImport = (why: string) => new ChatError("invalid_import", why);

export const historyUnavailable = () =>
  new ChatError("history_unavailable", "The conversation store is not answering (see the server's log). Try again in a moment.", { retryAfter: 5 });

export const upstreamError = (message: string, status?: number) => new ChatError("upstream_error", message, { status });

export const internalError = (message = "Internal server error.") => new ChatError("internal_error", message);

export const missingKey = () =>
  new ChatError(
    "configuration_error",
    "OPENAI_API_KEY is not set on the server. Set it (or OPENAI_BASE_URL for a local model server) and restart.",
  );

export const shuttingDown = () => new ChatError("server_shutting_down", "The server is restarting; the answer was cut. Retry in a moment.");

// Upstream messages can quote the key ("Incorrect API key provided: sk-abc***xyz"):
// scrub anything key-shaped, and the configured key itself, before it leaves the process.
const KEY_SHAPED = /\b(sk|rk|pk|key)-[A-Za-z0-9_*\-.]{6,}/gi;
const BEARER = /Bearer\s+[A-Za-z0-9_*\-.=]+/gi;

/** Removes API keys and bearer tokens from text that is about to reach a user or a log. */
export function redact(text: string, secret?: string): string {
  let out = text;
  if (secret && secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out.replace(KEY_SHAPED, "[redacted key]").replace(BEARER, "Bearer [redacted]");
}
