/** Every failure a user can see, with the HTTP status and a stable `type` string. */
export class ChatError extends Error {
  readonly status: number;
  readonly type: string;
  /** Seconds the client should wait before retrying (429 / 503), when known. */
  readonly retryAfter: number | undefined;

  constructor(opts: { status: number; type: string; message: string; retryAfter?: number | undefined }) {
    super(opts.message);
    this.name = "ChatError";
    this.status = opts.status;
    this.type = opts.type;
    this.retryAfter = opts.retryAfter;
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

export const badRequest = (message: string) =>
  new ChatError({ status: 400, type: "invalid_request_error", message });

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
