import { type Limits, REASONING_EFFORTS, type ReasoningEffort, type RequestSettings } from "../config.ts";
import { badRequest, requestTimeout, tooLarge } from "../errors.ts";
import type { ChatMessage, Role } from "../upstream/chat-message.ts";
import { type ContentTally, validateContent } from "./content-parts.ts";
import { RECORD_ID } from "../history/store.ts";


export interface ChatRequest {
  messages: ChatMessage[];
  options: RequestSettings;
  /** Images in the messages and their decoded bytes (for the trace; never the data). */
  images: { count: number; bytes: number };
  /** With history on: the stored conversation this request continues (absent: a new one). */
  conversationId?: string;
  /** With history on: the client's own id of each message (undefined where it sent none), so the saved tree is the page's. */
  messageIds?: (string | undefined)[];
  /** With history on: the id the client gave the answer's message. */
  answerId?: string;
}

// One decoder for every request: without `stream: true`, decode() keeps no state between calls.
const UTF8 = new TextDecoder("utf-8", { fatal: true });

const ROLES: ReadonlySet<string> = new Set<Role>(["user", "assistant", "system"]);

const bodyTooLarge = (limit: number) =>
  tooLarge(`The request body is larger than ${limit} bytes. Shorten the conversation or raise CHAT_MAX_BODY_BYTES.`);

/**
 * Reads the body with a byte cap and a deadline, so an oversized upload is refused as soon as it
 * crosses the limit, and a body dribbled in byte by byte (slowloris) cannot hold a connection forever.
 */
export async function readBody(req: Request, limits: Pick<Limits, "maxBodyBytes" | "bodyTimeoutMs">): Promise<string> {
  const { maxBodyBytes: maxBytes, bodyTimeoutMs } = limits;
  const declared = req.headers.get("content-length");
  if (declared !== null) {
    if (Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
    // Read natively, and `req.body` never touched: that getter alone makes the body a JavaScript
    // stream, whose start and pull steps were ~20 % of a short chat's CPU (bench/README.md). Bun reads
    // no more than the declared length, so only the deadline is ours to keep.
    return decode(await withDeadline(req.bytes(), bodyTimeoutMs));
  }
  if (!req.body) return "";
  const reader = req.body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    reader.cancel().catch(() => {});
  }, bodyTimeoutMs);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        reader.cancel().catch(() => {});
        throw bodyTooLarge(maxBytes);
      }
      chunks.push(value);
    }
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) throw requestTimeout(bodyTimeoutMs);
  // A small body arrives in one read: no copy then.
  return decode(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
}

function decode(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw badRequest("The request body is not valid UTF-8.");
  }
}

/** The body, or a 408 once `ms` have passed (the unread rest is left to the connection's close). */
function withDeadline(body: Promise<Uint8Array>, ms: number): Promise<Uint8Array> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(requestTimeout(ms)), ms);
  });
  // Settled after the deadline won, the body must not surface as an unhandled rejection.
  body.catch(() => {});
  return Promise.race([body, deadline]).finally(() => clearTimeout(timer));
}

/** Checks the parsed JSON against the wire contract and the configured limits. */
export function validateChatRequest(body: unknown, limits: Limits): ChatRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object like {"messages":[{"role":"user","content":"Hi"}]}.');
  }
  const messages = (body as { messages?: unknown }).messages;
  if (messages === undefined) throw badRequest('The request body has no "messages" array.');
  if (!Array.isArray(messages)) throw badRequest('"messages" must be an array.');
  if (messages.length === 0) throw badRequest('"messages" is empty: send at least one message.');
  if (messages.length > limits.maxMessages) {
    throw tooLarge(`Too many messages: ${messages.length} (the limit is ${limits.maxMessages}).`);
  }
  const tally: ContentTally = { chars: 0, images: 0, imageBytes: 0 };
  const out: ChatMessage[] = new Array(messages.length);
  let ids: (string | undefined)[] | undefined;
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (typeof m !== "object" || m === null || Array.isArray(m)) {
      throw badRequest(`messages[${i}] must be an object with "role" and "content".`);
    }
    const { role, content } = m as { role?: unknown; content?: unknown };
    if (typeof role !== "string" || !ROLES.has(role)) {
      throw badRequest(`messages[${i}].role must be "user", "assistant" or "system" (got ${describe(role)}).`);
    }
    // Copy only the two known fields: nothing else from the client reaches the upstream.
    out[i] = { role: role as Role, content: validateContent(content, role as Role, `messages[${i}]`, limits, tally) };
    const { id } = m as { id?: unknown };
    if (id !== undefined) {
      if (typeof id !== "string" || !RECORD_ID.test(id)) throw badRequest(`messages[${i}].id must be 1 to 100 letters, digits, "_" or "-".`);
      (ids ??= new Array(messages.length))[i] = id;
    }
  }
  const { conversation_id, answer_id } = body as { conversation_id?: unknown; answer_id?: unknown };
  if (conversation_id !== undefined && (typeof conversation_id !== "string" || !RECORD_ID.test(conversation_id))) {
    throw badRequest('"conversation_id" must be the id of a conversation (GET /api/conversations).');
  }
  if (answer_id !== undefined && (typeof answer_id !== "string" || !RECORD_ID.test(answer_id))) {
    throw badRequest('"answer_id" must be 1 to 100 letters, digits, "_" or "-".');
  }
  return {
    messages: out,
    options: validateOptions(body as Record<string, unknown>),
    images: { count: tally.images, bytes: tally.imageBytes },
    ...(conversation_id !== undefined && { conversationId: conversation_id }),
    ...(ids && { messageIds: ids }),
    ...(answer_id !== undefined && { answerId: answer_id }),
  };
}

const MODEL_NAME = /^[\w.:/@+-]{1,200}$/;

function validateOptions(body: Record<string, unknown>): RequestSettings {
  const options: RequestSettings = {};
  const { model, temperature, max_tokens, reasoning_effort } = body;
  if (model !== undefined) {
    if (typeof model !== "string" || !MODEL_NAME.test(model)) throw badRequest('"model" must be a model name such as "gpt-5-mini".');
    options.model = model;
  }
  if (temperature !== undefined) {
    if (typeof temperature !== "number" || !(temperature >= 0 && temperature <= 2)) throw badRequest('"temperature" must be a number from 0 to 2.');
    options.temperature = temperature;
  }
  if (max_tokens !== undefined) {
    if (typeof max_tokens !== "number" || !Number.isInteger(max_tokens) || max_tokens < 1) throw badRequest('"max_tokens" must be a positive integer.');
    options.maxTokens = max_tokens;
  }
  if (reasoning_effort !== undefined) {
    if (typeof reasoning_effort !== "string" || !(REASONING_EFFORTS as readonly string[]).includes(reasoning_effort)) {
      throw badRequest(`"reasoning_effort" must be one of ${REASONING_EFFORTS.map((e) => `"${e}"`).join(", ")}.`);
    }
    options.reasoningEffort = reasoning_effort as ReasoningEffort;
  }
  return options;
}

/** Body → ChatRequest, or a ChatError a user can act on. */
export async function parseChatRequest(req: Request, limits: Limits): Promise<ChatRequest> {
  const text = await readBody(req, limits);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
  return validateChatRequest(body, limits);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  return typeof value;
}
