import { REASONING_EFFORTS } from "../config.ts";
import { invalidImport } from "../errors.ts";
import { summaryTitle } from "./query.ts";
import type { ConversationRecord, MessageRecord } from "./store.ts";

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
  let chars = 0;
  const messages: MessageRecord[] = d.messages.map((raw: unknown, i: number) => {
    const m = raw as Record<string, unknown> | null;
    if (!m || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string") {
      throw invalidImport(`Message ${i + 1} needs a role ("user" or "assistant") and text content.`);
    }
    chars += m.content.length + (typeof m.reasoning === "string" ? m.reasoning.length : 0);
    if (chars > limits.maxChars) throw invalidImport(`This export is longer than ${limits.maxChars} characters (CHAT_MAX_CHARS).`);
    const id = typeof m.id === "string" && /^[\w-]{1,100}$/.test(m.id) && !ids.has(m.id) ? m.id : crypto.randomUUID();
    const previous = [...ids].at(-1);
    const parent = d.version === 1 ? previous : typeof m.parent === "string" && ids.has(m.parent) ? m.parent : undefined;
    ids.add(id);
    const status = m.status === "stopped" || m.status === "error" ? m.status : m.role === "assistant" ? "done" : undefined;
    return {
      id,
      ...(parent !== undefined && { parent }),
      role: m.role,
      content: m.content,
      ...(typeof m.reasoning === "string" && m.reasoning && { reasoning: m.reasoning }),
      ...(typeof m.reasoningMs === "number" && m.reasoningMs >= 0 && { reasoningMs: m.reasoningMs }),
      ...(m.refusal === true && { refusal: true }),
      ...(status && { status }),
      ...(status === "error" && { error: { message: "This answer had failed when it was exported.", type: "imported", status: 0 } }),
      ...(typeof m.model === "string" && { model: m.model.slice(0, 200) }),
      ...(typeof m.finishReason === "string" && { finishReason: m.finishReason.slice(0, 50) }),
      ...(isObject(m.usage) && { usage: m.usage }),
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
