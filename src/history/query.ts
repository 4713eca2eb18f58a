/** Pieces of a list query every store shares: cursors, search words, titles. */

/** Where a page ended: the last item's time and id (newest first, the id breaks ties). */
export function encodeCursor(last: { updatedAt: number; id: string }): string {
  return Buffer.from(JSON.stringify([last.updatedAt, last.id])).toString("base64url");
}

/** The position a cursor names; undefined for none. Throws a plain Error for a cursor we did not write. */
export function decodeCursor(cursor: string | undefined): { updatedAt: number; id: string } | undefined {
  if (cursor === undefined || cursor === "") return undefined;
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof updatedAt === "number" && typeof id === "string") return { updatedAt, id };
  } catch {}
  throw new BadCursor();
}

export class BadCursor extends Error {
  override message = "The cursor is not one this server gave.";
}

/** The words of a search (at most 8, each at most 100 characters): every one must match. */
export function searchWords(search: string | undefined): string[] {
  return (search ?? "")
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 8)
    .map((w) => w.slice(0, 100));
}

/** A LIKE pattern matching `word` anywhere, with LIKE's own characters escaped by `\`. */
export function likePattern(word: string): string {
  return `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** The title the page would show (client/chat/conversations.ts `titleOf`). */
export function summaryTitle(title: string | null | undefined, firstQuestion: string | null | undefined): string {
  const own = title?.trim();
  if (own) return own;
  const first = firstQuestion?.trim().replace(/\s+/g, " ");
  return first ? (first.length > 80 ? `${first.slice(0, 79)}…` : first) : "New chat";
}
