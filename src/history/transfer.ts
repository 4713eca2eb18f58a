import { REASONING_EFFORTS } from "../config.ts";
import { badRequest, invalidImport } from "../errors.ts";
import { summaryTitle } from "./query.ts";
import { type ConversationRecord, type ConversationSync, type MessageRecord, RECORD_ID } from "./store.ts";

/** What names the page's JSON exports (client/chat/transfer.ts), so either side reads the other's files. */
const FORMAT = "bun-chat.conversation";

/** The page's export file (version 2): every version of every message, the leaf, settings, no stream ids. */
export function exportConversation(c: ConversationRecord): object {
  const leaf = c.leaf ?? c.messages.at(-1)?.id;
  return {
    format: FORMAT,
    version: 2,
    title: summaryTitle(c.title, firstQuestion(c)),
    createdAt: new Date(c.createdAt).toISOString(),
    settings: c.settings,
    leaf,
    messages: c.messages.map((m) => ({
      id: m.id,
      parent: m.parent,
      role: m.role,
      content: m.content,
      ...(m.reasoning && { reasoning: m.reasoning }),
      ...(m.reasoningMs !== undefined && { reasoningMs: m.reasoningMs }),
      ...(m.refusal && { refusal: true }),
      ...(m.status && m.status !== "streaming" && { status: m.status }),
      ...(m.model && { model: m.model }),
      ...(m.finishReason && { finishReason: m.finishReason }),
      ...(m.usage && { usage: m.usage }),
    })),
  };
}

/**
 * One of the page's exports (version 1 or 2) as a conversation to insert under a new id, read as the
 * page reads it: v1 is one line of messages, a missing or unknown parent makes a message a root, an
 * answer is finished (a file cannot re-attach). Anything else is an `invalid_import` saying why.
 */
export function parseImport(
  data: unknown,
  limits: { maxMessages: number; maxChars: number },
): Omit<ConversationRecord, "createdAt" | "updatedAt"> & { createdAt?: number } {
  const d = data as Record<string, unknown> | null;
  if (!d || typeof d !== "object" || d.format !== FORMAT) throw invalidImport("This JSON is not a conversation exported from this chat.");
  if (d.version !== 1 && d.version !== 2) throw invalidImport(`This export is version ${String(d.version)}; this server reads up to 2.`);
  if (!Array.isArray(d.messages) || d.messages.length === 0) throw invalidImport("This export has no messages.");
  if (d.messages.length > limits.maxMessages)
    throw invalidImport(`This export has ${d.messages.length} messages (the limit is ${limits.maxMessages}, CHAT_MAX_MESSAGES).`);
  const ids = new Set<string>();
  const budget = { chars: limits.maxChars };
  const messages: MessageRecord[] = d.messages.map((raw: unknown, i: number) => {
    const given = (raw as { id?: unknown } | null)?.id;
    const id = typeof given === "string" && RECORD_ID.test(given) && !ids.has(given) ? given : crypto.randomUUID();
    const previous = [...ids].at(-1);
    const m = readMessage(raw, i, budget, invalidImport);
    const parent = d.version === 1 ? previous : typeof m.parent === "string" && ids.has(m.parent) ? m.parent : undefined;
    ids.add(id);
    const status = m.status === "stopped" || m.status === "error" ? m.status : m.role === "assistant" ? "done" : undefined;
    return {
      ...m,
      id,
      parent,
      status,
      ...(status === "error" && { error: { message: "This answer had failed when it was exported.", type: "imported", status: 0 } }),
    } satisfies MessageRecord;
  });
  const given = d.version === 2 && typeof d.leaf === "string" && ids.has(d.leaf) ? d.leaf : undefined;
  const leaf = given ?? messages.at(-1)!.id;
  const createdAt = typeof d.createdAt === "string" ? Date.parse(d.createdAt) : NaN;
  const partial = { id: crypto.randomUUID(), settings: settingsOf(d.settings), leaf, messages };
  // A title that is just the first question stays derived, so renaming it to nothing still works (as the page does).
  const named = typeof d.title === "string" ? d.title.trim().slice(0, 200) : "";
  const title = named && named !== summaryTitle(undefined, firstQuestion({ ...partial })) ? named : undefined;
  return { ...partial, ...(title && { title }), ...(Number.isFinite(createdAt) && { createdAt }) };
}

/**
 * A PUT /api/conversations/{id} body: the page's copy of that conversation (its ids kept as they are),
 * read like an import, plus the questions' files and the ids the page removed. Else a 400 saying why.
 */
export function parseSync(id: string, data: unknown, limits: { maxMessages: number; maxChars: number }): ConversationSync {
  const d = data as Record<string, unknown> | null;
  const bad = (why: string) => badRequest(why);
  if (!d || typeof d !== "object" || !Array.isArray(d.messages)) throw bad('Send the conversation: {"messages":[…],"settings":{…},"leaf":"…"}.');
  if (d.messages.length > limits.maxMessages) throw bad(`The conversation has ${d.messages.length} messages (the limit is ${limits.maxMessages}, CHAT_MAX_MESSAGES).`);
  const removed = d.removed ?? [];
  if (!Array.isArray(removed) || removed.length > 10_000 || !removed.every((r) => typeof r === "string" && RECORD_ID.test(r))) {
    throw bad('"removed" must be a list of message ids.');
  }
  const ids = new Set<string>();
  const budget = { chars: limits.maxChars };
  const messages = d.messages.map((raw: unknown, i: number) => {
    const m = readMessage(raw, i, budget, bad);
    const given = (raw as { id?: unknown }).id;
    if (typeof given !== "string" || !RECORD_ID.test(given) || ids.has(given)) throw bad(`Message ${i + 1} needs an id of its own.`);
    ids.add(given);
    const attachments = m.role === "user" ? readAttachments((raw as { attachments?: unknown }).attachments, i, bad) : undefined;
    return {
      ...m,
      id: given,
      parent: typeof m.parent === "string" && ids.has(m.parent) ? m.parent : undefined,
      ...(attachments && { attachments }),
    } satisfies MessageRecord;
  });
  const time = (x: unknown) => (typeof x === "number" && Number.isFinite(x) && x > 0 ? Math.floor(x) : Date.now());
  const title = typeof d.title === "string" && d.title.trim() ? d.title.trim().slice(0, 200) : undefined;
  return {
    id,
    ...(title && { title }),
    createdAt: time(d.createdAt),
    updatedAt: time(d.updatedAt),
    ...(typeof d.leaf === "string" && ids.has(d.leaf) && { leaf: d.leaf }),
    settings: settingsOf(d.settings),
    messages,
    removed: removed as string[],
  };
}

/** One message of the page's format, its id and parent left to the caller; throws `fail(why)` when it is not one. */
function readMessage(raw: unknown, i: number, budget: { chars: number }, fail: (why: string) => Error): MessageRecord {
  const m = raw as Record<string, unknown> | null;
  if (!m || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string") {
    throw fail(`Message ${i + 1} needs a role ("user" or "assistant") and text content.`);
  }
  budget.chars -= m.content.length + (typeof m.reasoning === "string" ? m.reasoning.length : 0);
  if (budget.chars < 0) throw fail("The conversation is longer than CHAT_MAX_CHARS characters.");
  const status = m.status === "stopped" || m.status === "error" || m.status === "done" || m.status === "streaming" ? m.status : undefined;
  return {
    id: "",
    ...(typeof m.parent === "string" && { parent: m.parent }),
    role: m.role,
    content: m.content,
    ...(typeof m.reasoning === "string" && m.reasoning && { reasoning: m.reasoning }),
    ...(typeof m.reasoningMs === "number" && m.reasoningMs >= 0 && { reasoningMs: m.reasoningMs }),
    ...(m.refusal === true && { refusal: true }),
    ...(m.role === "assistant" && { status: status ?? "done" }),
    ...(typeof m.model === "string" && { model: m.model.slice(0, 200) }),
    ...(typeof m.finishReason === "string" && { finishReason: m.finishReason.slice(0, 50) }),
    ...(isObject(m.usage) && { usage: m.usage }),
    ...(isObject(m.error) && typeof m.error.message === "string" && typeof m.error.type === "string" && {
      error: { message: m.error.message.slice(0, 2000), type: m.error.type.slice(0, 100), status: typeof m.error.status === "number" ? m.error.status : 0 },
    }),
  };
}

/** A question's files as the page keeps them (client/chat/attachments.ts): names, kinds, and images as data: URLs only. */
function readAttachments(raw: unknown, i: number, fail: (why: string) => Error): unknown[] | undefined {
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw) || raw.length > 100) throw fail(`Message ${i + 1}: "attachments" must be a list of files.`);
  return raw.map((a: unknown) => {
    const f = a as Record<string, unknown> | null;
    const ok =
      f && typeof f.id === "string" && typeof f.name === "string" && typeof f.mime === "string" && typeof f.data === "string" &&
      (f.kind === "text" || (f.kind === "image" && (f.data === "" || /^data:image\/(png|jpeg|webp|gif);base64,/.test(f.data))));
    if (!ok) throw fail(`Message ${i + 1} has a file that is not one the page attaches.`);
    return { id: f.id, name: f.name, kind: f.kind, mime: f.mime, data: f.data, ...(f.dropped === true && { dropped: true }) };
  });
}

/** The page's settings, keeping only known keys with values in range (client/chat/settings.ts). */
export function settingsOf(saved: unknown): Record<string, unknown> {
  if (!saved || typeof saved !== "object") return {};
  const s = saved as Record<string, unknown>;
  return {
    ...(typeof s.model === "string" && s.model && { model: s.model.slice(0, 200) }),
    ...(typeof s.system === "string" && s.system && { system: s.system }),
    ...(typeof s.temperature === "number" && s.temperature >= 0 && s.temperature <= 2 && { temperature: s.temperature }),
    ...(typeof s.maxTokens === "number" && Number.isInteger(s.maxTokens) && s.maxTokens > 0 && { maxTokens: s.maxTokens }),
    ...(typeof s.reasoningEffort === "string" &&
      (REASONING_EFFORTS as readonly string[]).includes(s.reasoningEffort) && { reasoningEffort: s.reasoningEffort }),
  };
}

/** The first question on the path to the leaf: what the page titles a conversation by. */
function firstQuestion(c: Pick<ConversationRecord, "messages" | "leaf">): string | undefined {
  const byId = new Map(c.messages.map((m) => [m.id, m]));
  let first: string | undefined;
  for (let m = byId.get(c.leaf ?? c.messages.at(-1)?.id ?? ""); m; m = m.parent ? byId.get(m.parent) : undefined) {
    if (m.role === "user") first = m.content;
  }
  return first;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
