import {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
} from "openai";
import type { Config } from "../config.ts";
import { ChatError, aborted, internalError, rateLimited, redact, upstreamError } from "../errors.ts";

/**
 * The one place SDK errors become our errors, by class, never by parsing messages. `images`: how many the
 * request carried; a 400 then most likely means the model cannot see, and the error says so, naming it.
 */
export function toChatError(err: unknown, config: Pick<Config, "apiKey" | "model" | "baseURL">, images = 0): ChatError {
  if (err instanceof ChatError) return err;
  const detail = (e: APIError) => redact(upstreamMessage(e), config.apiKey);
  if (err instanceof APIUserAbortError) return aborted();
  if (err instanceof APIConnectionTimeoutError) {
    return new ChatError("upstream_timeout", "The model did not start answering in time. Try again.");
  }
  if (err instanceof APIConnectionError) {
    const where = config.baseURL ? new URL(config.baseURL).host : "the OpenAI API";
    return new ChatError("upstream_unreachable", `Could not reach ${where}. Check the network or OPENAI_BASE_URL.`);
  }
  if (err instanceof AuthenticationError) {
    return new ChatError("upstream_auth_error", `The upstream rejected the API key (401). Check OPENAI_API_KEY. ${detail(err)}`.trim());
  }
  if (err instanceof PermissionDeniedError) {
    return new ChatError("upstream_permission_error", `The API key may not use this model (403). ${detail(err)}`.trim());
  }
  if (err instanceof NotFoundError) {
    return new ChatError("model_not_found", `The model "${config.model}" was not found upstream (404). Check OPENAI_MODEL. ${detail(err)}`.trim());
  }
  if (err instanceof BadRequestError && images > 0) {
    return upstreamError(
      `The model "${config.model}" refused the request with ${images === 1 ? "an image" : `${images} images`} (400): it may not support images. Choose a model that does and retry. ${detail(err)}`.trim(),
      400,
    );
  }
  if (err instanceof RateLimitError) {
    const retryAfter = retryAfterSeconds(err.headers);
    const wait = retryAfter !== undefined ? ` Try again in ${retryAfter} s.` : " Try again shortly.";
    return rateLimited(`The model is rate-limited (429).${wait} ${detail(err)}`.trim(), retryAfter);
  }
  if (err instanceof APIError) {
    // A status means an HTTP error response; none means an error event inside a 200 stream.
    const status = typeof err.status === "number" ? err.status : 502;
    const what = typeof err.status === "number" ? `The upstream failed (${err.status}).` : "The upstream failed mid-answer.";
    return upstreamError(`${what} ${detail(err)}`.trim(), status >= 500 || status < 400 ? 502 : status);
  }
  const message = err instanceof Error ? err.message : String(err);
  return internalError(`Unexpected error while streaming: ${redact(message, config.apiKey)}`);
}

export const notJson = () => upstreamError("The upstream sent a chunk that is not JSON.");

export const connectionLost = () => upstreamError("The connection to the upstream broke mid-answer.");

/** A 200 that ended without a finish reason: cut somewhere upstream, or empty from the start. */
export const unfinished = (sawText: boolean) =>
  sawText
    ? new ChatError("upstream_incomplete", "The model's answer was cut off: the upstream closed the stream before finishing.")
    : new ChatError("upstream_empty", "The upstream answered with an empty stream (no tokens and no finish).");

function upstreamMessage(err: APIError): string {
  const body = err.error as { message?: unknown } | undefined;
  return typeof body?.message === "string" ? body.message : "";
}

function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = Number(headers?.get("retry-after-ms"));
  if (ms > 0) return Math.ceil(ms / 1000);
  const s = headers?.get("retry-after");
  if (!s) return undefined;
  const n = Number(s);
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const date = Date.parse(s);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
