/** A message of a request, as saved: its text only. */
export interface AskedMessage {
  role: "user" | "assistant";
  content: string;
  /** The client's id for it: the message with this id is this one, whatever its text. */
  id?: string | undefined;
}

/** A message already in the conversation, as far as placing new ones needs it. */
export interface PlacedMessage {
  id: string;
  parent?: string | undefined;
  role: string;
  content: string;
}

/**
 * Where a request's messages go in a conversation's tree: the longest path from the root whose messages
 * equal the request's (role and text; the newest version wins a tie) is reused, and the rest becomes a
 * new line under its end, as the page does it. Continuing adds the new question; a regenerate adds
 * nothing (the new answer is another version of the last one); an edited question becomes a sibling.
 * A message the client names by an id the conversation has is matched by that id (the page's text of a
 * question with files differs from the text the model was sent). `existing` is oldest first.
 */
export function placeMessages(
  existing: readonly PlacedMessage[],
  request: readonly AskedMessage[],
): { parent: string | undefined; rest: AskedMessage[] } {
  const children = new Map<string | undefined, PlacedMessage[]>();
  const byId = new Map(existing.map((m) => [m.id, m]));
  for (const m of existing) {
    const list = children.get(m.parent);
    if (list) list.push(m);
    else children.set(m.parent, [m]);
  }
  let parent: string | undefined;
  let i = 0;
  for (; i < request.length; i++) {
    const want = request[i]!;
    const named = want.id === undefined ? undefined : byId.get(want.id);
    const match = named ?? children.get(parent)?.findLast((m) => m.role === want.role && m.content === want.content);
    if (!match) break;
    parent = match.id;
  }
  return { parent, rest: request.slice(i) };
}
