import { type EventSourceMessage, createParser } from "eventsource-parser";

export interface ParsedStream {
  events: EventSourceMessage[];
  comments: string[];
  /** The concatenated `content` of the seed's data events. */
  text: string;
  done: boolean;
  error: { message: string; type: string; status: number } | undefined;
  finish: { finish_reason: string; model?: string; usage?: Record<string, number> } | undefined;
}

/** Reads a whole SSE response with a spec-exact parser. */
export async function readSse(res: Response): Promise<ParsedStream> {
  const out: ParsedStream = { events: [], comments: [], text: "", done: false, error: undefined, finish: undefined };
  const parser = createParser({
    onEvent(e) {
      out.events.push(e);
      if (e.event === "error") out.error = JSON.parse(e.data);
      else if (e.event === "finish") out.finish = JSON.parse(e.data);
      else if (e.data === "[DONE]") out.done = true;
      else out.text += (JSON.parse(e.data) as { content: string }).content;
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
