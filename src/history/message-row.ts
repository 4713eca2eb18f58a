import type { MessageRecord } from "./store.ts";

/** A message as both stores keep it: the fields with columns of their own, the rest as JSON in `meta`. */
export interface MessageRow {
  id: string;
  parent: string | null;
  role: "user" | "assistant";
  content: string;
  reasoning: string;
  status: MessageRecord["status"] | null;
  meta: string;
  stream_id: string | null;
}

/** Everything of a message without a column of its own, as JSON (undefined fields left out). */
export function metaOf(m: MessageRecord): string {
  const { id: _i, parent: _p, role: _r, content: _c, reasoning: _re, status: _s, streamId: _st, ...rest } = m;
  return JSON.stringify(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)));
}

/** A row back into the message the API answers with (absent fields left out, not null). */
export function toMessage(r: MessageRow): MessageRecord {
  const meta = JSON.parse(r.meta) as Partial<MessageRecord>;
  return {
    id: r.id,
    ...(r.parent !== null && { parent: r.parent }),
    role: r.role,
    content: r.content,
    ...(r.reasoning !== "" && { reasoning: r.reasoning }),
    ...(r.status !== null && { status: r.status }),
    ...meta,
    ...(r.stream_id !== null && { streamId: r.stream_id }),
  };
}
