import { type Conversation, titleOf } from "./conversations.ts";
import { type Settings, restoreSettings } from "./settings.ts";
import { type Message, restore, visiblePath } from "./store.ts";

/** What names our JSON exports, so an import can tell one from any other JSON file. */
const FORMAT = "bun-chat.conversation";

/**
 * A conversation as a file (what an import reads back): every version of its messages, linked by `parent`,
 * the leaf on screen, and its settings, without stream ids. Version 1 files had one line of messages.
 */
export function exportJSON(c: Conversation): string {
  const leaf = c.leaf ?? c.messages.at(-1)?.id;
  // Saved before branches (no leaf): each message follows the one before.
  const messages = c.messages.map((m, i) => ({
    id: m.id,
    parent: c.leaf === undefined ? c.messages[i - 1]?.id : m.parent, // undefined leaves the file
    role: m.role,
    content: m.content,
    ...(m.attachments && { attachments: m.attachments }),
    ...(m.reasoning && { reasoning: m.reasoning }),
    ...(m.reasoningMs !== undefined && { reasoningMs: m.reasoningMs }),
    ...(m.refusal && { refusal: true }),
    ...(m.status && m.status !== "streaming" && { status: m.status }),
    ...(m.model && { model: m.model }),
    ...(m.finishReason && { finishReason: m.finishReason }),
    ...(m.usage && { usage: m.usage }),
  }));
  return `${JSON.stringify({ format: FORMAT, version: 2, title: titleOf(c), createdAt: new Date(c.createdAt).toISOString(), settings: c.settings, leaf, messages }, null, 2)}\n`;
}

/**
 * A conversation to read: its title, then each message on screen under who wrote it (answers keep their
 * markdown). An answer's thinking comes first, folded in a `<details>` block as GitHub and most viewers show it.
 */
export function exportMarkdown(c: Conversation): string {
  const parts = [`# ${titleOf(c)}`];
  if (c.settings.system) parts.push(`**System:**\n\n${c.settings.system}`);
  for (const m of visiblePath(c.messages, c.leaf)) {
    const who = m.role === "user" ? "You" : m.model ? `Assistant (${m.model})` : "Assistant";
    const thought = m.reasoning ? `<details><summary>Thinking</summary>\n\n${m.reasoning.trim()}\n\n</details>\n\n` : "";
    const files = m.attachments?.length ? `\n\n${m.attachments.map((a) => `📎 ${a.name}${a.dropped ? " (not kept)" : ""}`).join("  \n")}` : "";
    parts.push(`**${who}:**\n\n${thought}${m.content}${files}`);
  }
  return `${parts.join("\n\n---\n\n")}\n`;
}

/** A file name for a download: the title, reduced to safe characters. */
export function exportName(c: Conversation, ext: "json" | "md"): string {
  const base = titleOf(c).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60);
  return `${base || "conversation"}.${ext}`;
}

/** Why a file could not be imported, said to the user as is. */
export class ImportError extends Error {
  readonly code = "invalid_import";
}

/** Reads one of our JSON exports back; anything else is refused with an ImportError saying why. */
export function parseImport(text: string): { title?: string; messages: Message[]; leaf: string; settings: Settings } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ImportError("This file is not JSON. Choose a conversation exported as JSON from this chat.");
  }
  const d = data as Record<string, unknown> | null;
  if (!d || typeof d !== "object" || d.format !== FORMAT) {
    throw new ImportError("This JSON file is not a conversation exported from this chat.");
  }
  if (d.version !== 1 && d.version !== 2) throw new ImportError(`This export is version ${String(d.version)}; this page reads up to 2.`);
  if (!Array.isArray(d.messages) || d.messages.length === 0) throw new ImportError("This export has no messages.");
  d.messages.forEach((m: Partial<Message> | null, i: number) => {
    if (!m || (m.role !== "user" && m.role !== "assistant") || typeof m.content !== "string") {
      throw new ImportError(`Message ${i + 1} needs a role ("user" or "assistant") and text content.`);
    }
  });
  // Read as the store reads a saved conversation (version 1 is one line, as saved before branches), but
  // an answer is finished: a file cannot re-attach to a stream.
  const given = d.version === 2 && typeof d.leaf === "string" ? d.leaf : undefined;
  const messages = restore(
    d.messages.map((m: Message) => ({ ...m, streamId: undefined, status: m.status === "stopped" || m.status === "error" ? m.status : undefined })),
    given,
  );
  for (const m of messages) {
    if (m.status === "error") m.error = { message: "This answer had failed when it was exported.", type: "imported", status: 0 };
  }
  const leaf = given !== undefined && messages.some((m) => m.id === given) ? given : messages.at(-1)!.id;
  // A title that is just the first question stays derived, so renaming it to nothing still works.
  const named = typeof d.title === "string" ? d.title.trim() : "";
  const title = named && named !== titleOf({ messages, leaf }) ? named : undefined;
  return { title, messages, leaf, settings: restoreSettings(d.settings) };
}
