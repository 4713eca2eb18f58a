/** One recorded-shape upstream answer: the exact bytes a server writes, and what the relay must make of them. */
export interface Transcript {
  name: string;
  /** Where the chunk shape comes from: repository + path (or documentation page). */
  source: string;
  /** The exact SSE bytes the server writes for POST /v1/chat/completions with stream: true. */
  body: string;
  expect: {
    /** The answer's text, as the browser shows it. */
    content: string;
    /** The reasoning text, as the browser shows it (compared with leading/trailing whitespace trimmed). */
    reasoning: string;
    /** The `event: finish` fields; null when the answer ends with `event: error` instead. */
    finish: { finish_reason: string; model: string; refusal?: true; reasoning_tokens?: number } | null;
    error?: { type?: string; messageIncludes?: string };
  };
}

/** Events as a server writes them: each event's lines, then a blank line, with the server's line ending. */
export function sse(events: string[], eol = "\n"): string {
  return events.map((e) => e.split("\n").join(eol) + eol + eol).join("");
}
