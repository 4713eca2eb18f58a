/** One message of the conversation as the upstream receives it: the seed's string, or OpenAI content parts. */
export type Role = "user" | "assistant" | "system";

/** A text part, or an image by URL (a `data:` URL unless CHAT_ALLOW_IMAGE_URLS), as OpenAI's Chat Completions take them. */
export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image_url"; image_url: { url: string; detail?: "auto" | "low" | "high" } };

export interface ChatMessage {
  role: Role;
  content: string | ContentPart[];
}

/** The message's text: the string, or its text parts joined (images left out). */
export function textOf(content: string | ContentPart[]): string {
  if (typeof content === "string") return content;
  return content.map((p) => (p.type === "text" ? p.text : "")).join("\n");
}

/** How many images the messages carry and their size in bytes (decoded; a URL counts 0): for traces, never the data. */
export function imageStats(messages: readonly ChatMessage[]): { count: number; bytes: number } {
  let count = 0;
  let bytes = 0;
  for (const m of messages) {
    if (typeof m.content === "string") continue;
    for (const p of m.content) {
      if (p.type !== "image_url") continue;
      count++;
      bytes += dataUrlBytes(p.image_url.url);
    }
  }
  return { count, bytes };
}

/** Decoded size of a base64 `data:` URL's payload; 0 for any other URL. */
export function dataUrlBytes(url: string): number {
  if (!url.startsWith("data:")) return 0;
  const comma = url.indexOf(",");
  const n = url.length - comma - 1;
  const padding = url.endsWith("==") ? 2 : url.endsWith("=") ? 1 : 0;
  return Math.floor((n * 3) / 4) - padding;
}
