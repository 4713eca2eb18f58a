import { type EventSourceMessage, createParser } from "eventsource-parser";

export interface ParsedStream {
  events: EventSourceMessage[];
  comments: string[];
  /** The concatenated `content` of the seed's data events. */
  text: string;
  /** The concatenated `reasoning` of `event: reasoning` events (a lone `</think>` moves the text so far). */
  reasoning: string;
  done: boolean;
  error: { message: string; type: string; status: number } | undefined;
  finish: { finish_reason: string; model?: string; usage?: Record<string, unknown>; reasoning_ms?: number; refusal?: boolean } | undefined;
}

/** One event into the parsed stream, as our page reads it. */
function take(out: ParsedStream, e: EventSourceMessage): void {
  if (e.event === "error") out.error = JSON.parse(e.data);
  else if (e.event === "finish") out.finish = JSON.parse(e.data);
  else if (e.event === "reasoning") {
    const r = JSON.parse(e.data) as { reasoning: string; content_was_reasoning?: boolean };
    if (r.content_was_reasoning) {
      out.reasoning += out.text;
      out.text = "";
    }
    out.reasoning += r.reasoning;
  } else if (e.data === "[DONE]") out.done = true;
  else out.text += (JSON.parse(e.data) as { content: string }).content;
}

const empty = (): ParsedStream => ({ events: [], comments: [], text: "", reasoning: "", done: false, error: undefined, finish: undefined });

/** Reads a whole SSE response with a spec-exact parser. */
export async function readSse(res: Response): Promise<ParsedStream> {
  const out = empty();
  const parser = createParser({
    onEvent(e) {
      out.events.push(e);
      take(out, e);
    },
    onComment(c) {
      out.comments.push(c);
    },
  });
  const dec = new TextDecoder();
  for await (const chunk of res.body!) parser.feed(dec.decode(chunk, { stream: true }));
  return out;
}

export function postChat(url: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${url}/api/chat`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

export const userSays = (content: string) => ({ messages: [{ role: "user", content }] });

/**
 * Reads events until `count` have arrived (counting only events with an id), then drops the
 * connection: a client whose network went away at exactly that point.
 */
export async function readThenDrop(res: Response, count: number, controller: AbortController): Promise<ParsedStream> {
  const out = empty();
  if (count === 0) {
    controller.abort();
    return out;
  }
  let seen = 0;
  const parser = createParser({
    onEvent(e) {
      if (seen >= count) return;
      out.events.push(e);
      if (e.id) seen++;
      take(out, e);
    },
  });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  while (seen < count) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.feed(dec.decode(value, { stream: true }));
  }
  controller.abort();
  return out;
}

export function resume(url: string, id: string, lastEventId?: string, init: RequestInit = {}): Promise<Response> {
  const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
  if (lastEventId !== undefined) headers["Last-Event-ID"] = lastEventId;
  return fetch(`${url}/api/chat/${id}/stream`, { ...init, headers });
}

/** The id of the last event that had one: what a client sends as Last-Event-ID. */
export const lastEventId = (s: { events: Array<{ id?: string | undefined }> }) => s.events.filter((e) => e.id).at(-1)?.id;
