/** The fields of an OpenAI `chat.completion.chunk` the relay reads. */
export interface Chunk {
  id?: string;
  model?: string;
  choices?: Array<{ delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
  error?: unknown;
}

/** A chunk parsed in full; undefined when it is not JSON. */
export function parseChunk(data: string): Chunk | undefined {
  try {
    const chunk: unknown = JSON.parse(data);
    return typeof chunk === "object" && chunk !== null ? (chunk as Chunk) : undefined;
  } catch {
    return undefined;
  }
}

const bytes = (s: string) => Buffer.from(s, "latin1");
const DELTA = bytes('"delta":{');
const CONTENT = bytes('"content":"');
const FINISH = bytes('"finish_reason"');
const FINISH_NULL = bytes('"finish_reason":null');
const USAGE = bytes('"usage"');
const USAGE_NULL = bytes('"usage":null');
const ERROR = bytes('"error"');
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The content of a chunk that is nothing but a content delta, as the JSON string literal the upstream
 * wrote (quotes included); undefined for anything else, which then takes `parseChunk`. This is the
 * floor relay's byte-level rewrite made safe: `JSON.parse` per token was a fifth of the relay's CPU.
 *
 * Why byte searches are sound here: inside a JSON string every `"` is escaped, so a pattern such as
 * `"finish_reason":null` (a quote, a name, an unescaped quote) can only match the document's own
 * structure, never text inside a value. Anything unusual (a finish reason, usage, an error, a second
 * content, spaces after colons, a raw control character) fails a check and goes the slow, exact way.
 */
export function plainDelta(data: Buffer): string | undefined {
  const delta = data.indexOf(DELTA);
  if (delta === -1) return undefined;
  const at = data.indexOf(CONTENT, delta);
  if (at === -1) return undefined;
  const open = at + CONTENT.length - 1;
  let i = open + 1;
  for (;;) {
    const b = data[i];
    if (b === undefined || b < 0x20) return undefined; // cut short, or not valid JSON
    if (b === QUOTE) break;
    i += b === BACKSLASH ? 2 : 1;
  }
  const close = i + 1;
  if (data.indexOf(CONTENT, close) !== -1) return undefined;
  const finish = data.indexOf(FINISH);
  if (finish === -1 || !startsWith(data, FINISH_NULL, finish) || data.indexOf(FINISH, finish + 1) !== -1) return undefined;
  const usage = data.indexOf(USAGE);
  if (usage !== -1 && (!startsWith(data, USAGE_NULL, usage) || data.indexOf(USAGE, usage + 1) !== -1)) return undefined;
  if (data.indexOf(ERROR) !== -1) return undefined;
  return data.toString("utf8", open, close);
}

function startsWith(data: Buffer, what: Buffer, at: number): boolean {
  return data.compare(what, 0, what.length, at, at + what.length) === 0;
}
