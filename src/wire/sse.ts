/**
 * Server-Sent Events on the wire. The seed contract is `data: {"content":"..."}` per delta and a final
 * `data: [DONE]`; named events, ids and `:` comments are additions a seed client skips.
 */

// `X-Accel-Buffering: no` stops nginx from holding the stream back; never compress SSE either.
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Type": "text/event-stream",
  "Cache-Control": "no-cache, no-transform",
  Connection: "keep-alive",
  "X-Accel-Buffering": "no",
};

export interface SseEvent {
  data: string;
  event?: string;
  id?: string;
}

/** One event as text. Multi-line data becomes several `data:` lines, as the spec requires. */
export function formatEvent({ data, event, id }: SseEvent): string {
  let out = "";
  if (event !== undefined) out += `event: ${singleLine("event", event)}\n`;
  if (id !== undefined) out += `id: ${singleLine("id", id)}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}

/** A comment line: ignored by every SSE parser, but it resets idle timers in Bun and proxies. */
export function formatComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, " ")}\n\n`;
}

function singleLine(field: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`SSE ${field} must not contain a line break`);
  return value;
}
