/** A file attached to a user message: an image (scaled, as a data: URL) or a text file (its text). */
export interface Attachment {
  id: string;
  name: string;
  kind: "image" | "text";
  mime: string;
  /** image: a `data:` URL; text: the file's text. Empty once `dropped`. */
  data: string;
  /** Not kept: the browser's storage was full when the conversation was saved (the name stays). */
  dropped?: boolean;
}

/** OpenAI content parts, as POST /api/chat takes them. */
export type WirePart = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

/**
 * A user message as the server receives it: the seed's string without attachments, else its text and
 * then each file, a text file as a text part naming it in a fence, an image as an image_url part.
 */
export function toContent(text: string, attachments: readonly Attachment[] | undefined): string | WirePart[] {
  const kept = (attachments ?? []).filter((a) => !a.dropped && a.data);
  if (kept.length === 0) return text;
  const parts: WirePart[] = text ? [{ type: "text", text }] : [];
  for (const a of kept) parts.push(a.kind === "image" ? { type: "image_url", image_url: { url: a.data } } : { type: "text", text: fileText(a) });
  return parts;
}

/** "File: name.ts" and the text in a fence no line of it can close. */
export function fileText(a: Pick<Attachment, "name" | "data">): string {
  const longest = Math.max(2, ...[...a.data.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = "`".repeat(longest + 1);
  const lang = /\.([\w+-]+)$/.exec(a.name)?.[1]?.toLowerCase() ?? "";
  return `File: ${a.name}\n${fence}${lang}\n${a.data}${a.data.endsWith("\n") ? "" : "\n"}${fence}`;
}

/** Saved attachments back into state: only well-formed ones. */
export function restoreAttachments(saved: unknown): Attachment[] | undefined {
  if (!Array.isArray(saved)) return undefined;
  const out: Attachment[] = [];
  for (const a of saved as Partial<Attachment>[]) {
    if (!a || typeof a.name !== "string" || (a.kind !== "image" && a.kind !== "text") || typeof a.data !== "string") continue;
    if (a.kind === "image" && a.data && !/^data:image\/(png|jpeg|webp|gif);base64,/.test(a.data)) continue;
    out.push({ id: typeof a.id === "string" ? a.id : crypto.getRandomValues(new Uint32Array(2)).join("-"), name: a.name, kind: a.kind, mime: typeof a.mime === "string" ? a.mime : "", data: a.data, ...(a.dropped && { dropped: true }) });
  }
  return out.length > 0 ? out : undefined;
}
