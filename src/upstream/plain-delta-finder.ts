const bytes = (s: string) => Buffer.from(s, "latin1");
const DELTA = bytes('"delta":{');
const CONTENT = bytes('"content":"');
const FINISH = bytes('"finish_reason"');
const FINISH_NULL = bytes('"finish_reason":null');
const USAGE = bytes('"usage"');
const USAGE_NULL = bytes('"usage":null');
const ERROR = bytes('"error"');
const REASONING = bytes('"reasoning');
const REASONING_NULL = bytes('"reasoning":null');
const REASONING_CONTENT_NULL = bytes('"reasoning_content":null');
const REASONING_TEXT = bytes('"reasoning":"');
const REASONING_CONTENT_TEXT = bytes('"reasoning_content":"');
const CONTENT_KEY = bytes('"content":');
const CONTENT_NULL = bytes('"content":null');
const CONTENT_NULL_COMMA = bytes('"content":null,');
const NULL_REASONING_CONTENT_END = bytes(',"reasoning_content":null}');
const NULL_REASONING_END = bytes(',"reasoning":null}');
const CONTENT_EMPTY_COMMA = bytes('"content":"",');
const ROLE_ASSISTANT = bytes('"role":"assistant",');
const INDEX_ZERO_COMMA = bytes('"index":0,');
const REFUSAL = bytes('"refusal":');
const REFUSAL_NULL = bytes('"refusal":null');
const INDEX = bytes('"index":');
const INDEX_ZERO = bytes('"index":0');
const INDEX_DELTA = bytes('"index":0,"delta":{');
const QUOTE = 34;
const CLOSE_BRACE = 125;
const BACKSLASH = 92;

/**
 * Finds the text of chunks that are nothing but a content delta or nothing but a reasoning delta
 * (`reasoning_content` or `reasoning`, with the content null or empty), as the JSON string literal the
 * upstream wrote (quotes included); anything else then takes `parseChunk`. This is the floor relay's
 * byte-level rewrite made safe: `JSON.parse` per token was a fifth of the relay's CPU, and reasoning
 * models send as many reasoning tokens as content tokens.
 *
 * Why byte searches are sound here: inside a JSON string every `"` is escaped, so a pattern such as
 * `"finish_reason":null` (a quote, a name, an unescaped quote) can only match the document's own
 * structure, never text inside a value. Anything unusual (a finish reason, usage, an error, a second
 * text, spaces after colons, a raw control character, reasoning details, a refusal, content parts, a
 * choice index other than 0) fails a check and goes the slow, exact way.
 *
 * One finder serves the chunks of one read in order. It remembers where each pattern next occurs in
 * the read, so a pattern absent from most chunks (`"error"`) is searched for once per read, not once
 * per chunk across the rest of the read.
 */
export class PlainDeltaFinder {
  #buf: Buffer | undefined;
  /** Per pattern, its next occurrence at or after the last place looked from (buf.length: none). */
  readonly #next = [-1, -1, -1, -1, -1, -1, -1, -1, -1];
  #close = 0;
  #reasoning = false;

  /** Where the literal last found ends (after its closing quote). */
  get close(): number {
    return this.#close;
  }

  /** Whether the literal last found is reasoning (otherwise it is content). */
  get reasoning(): boolean {
    return this.#reasoning;
  }

  /**
   * Where the text literal of the chunk `buf[start, end)` opens (at its quote), or -1 when the chunk
   * is not a plain content or reasoning delta. Chunks of one buffer must come in order.
   */
  find(buf: Buffer, start: number, end: number): number {
    if (buf !== this.#buf) {
      this.#buf = buf;
      this.#next.fill(-1);
    }
    const at = this.#at(buf, 1, CONTENT, start);
    let open = -1;
    let close = -1;
    let plain = false;
    if (at < end) {
      // OpenAI writes `"index":0,"delta":{"content":"`: choice 0, and the content first in its delta.
      const openAIOrder = endsWith(buf, INDEX_DELTA, at, start);
      // Otherwise the delta must come first: a content elsewhere before it is not a plain delta (parse it).
      if (!openAIOrder && !endsWith(buf, DELTA, at, start) && this.#at(buf, 0, DELTA, start) >= at) return -1;
      open = at + CONTENT.length - 1;
      let i = open + 1;
      for (;;) {
        if (i >= end) return -1; // cut short
        const b = buf[i]!;
        if (b < 0x20) return -1; // not valid JSON
        if (b === QUOTE) break;
        i += b === BACKSLASH ? 2 : 1;
      }
      close = i + 1;
      if (this.#at(buf, 1, CONTENT, close) < end) return -1;
      // `{"content":"…"}` and nothing else in the delta (but DeepSeek's null reasoning): no reasoning,
      // no refusal to look for.
      plain =
        openAIOrder &&
        close - open > 2 &&
        (buf[close] === CLOSE_BRACE || startsWith(buf, NULL_REASONING_CONTENT_END, close, end) || startsWith(buf, NULL_REASONING_END, close, end));
    }
    const finish = this.#at(buf, 2, FINISH, start);
    if (finish >= end || !startsWith(buf, FINISH_NULL, finish, end) || this.#at(buf, 2, FINISH, finish + 1) < end) return -1;
    const usage = this.#at(buf, 3, USAGE, start);
    if (usage < end && (!startsWith(buf, USAGE_NULL, usage, end) || this.#at(buf, 3, USAGE, usage + 1) < end)) return -1;
    if (this.#at(buf, 4, ERROR, start) < end) return -1;
    if (!plain) return this.#otherShapes(buf, start, end, open, close);
    this.#close = close;
    this.#reasoning = false;
    return open;
  }

  /**
   * The rest of `find` for deltas not in OpenAI's plain shape: every `"reasoning…` key must be null,
   * except one string when the content is absent or empty (then that is the text); no refusal; choice 0.
   * Kept apart so that the plain shape's path stays small (each search of a read for a rare key cost
   * ~15 ns an event, bench/relay-cpu.ts).
   */
  #otherShapes(buf: Buffer, start: number, end: number, open: number, close: number): number {
    if (close - open <= 2) {
      const plain = this.#plainReasoning(buf, start, end);
      if (plain !== -1) return plain;
    }
    const hasContent = open !== -1;
    let reasoning = false;
    for (let r = this.#at(buf, 5, REASONING, start); r < end; r = this.#at(buf, 5, REASONING, r + 1)) {
      if (startsWith(buf, REASONING_CONTENT_NULL, r, end) || startsWith(buf, REASONING_NULL, r, end)) continue;
      const name = startsWith(buf, REASONING_CONTENT_TEXT, r, end) ? REASONING_CONTENT_TEXT : startsWith(buf, REASONING_TEXT, r, end) ? REASONING_TEXT : undefined;
      if (name === undefined || reasoning || close - open > 2 || this.#at(buf, 0, DELTA, start) >= r) return -1;
      reasoning = true;
      open = r + name.length - 1;
      close = literalEnd(buf, open, end);
      if (close === -1) return -1;
    }
    // With no content literal, a `"content":` may only be null (a list of parts must be parsed).
    if (!hasContent) {
      if (!reasoning) return -1;
      const key = this.#at(buf, 8, CONTENT_KEY, start);
      if (key < end && (!startsWith(buf, CONTENT_NULL, key, end) || this.#at(buf, 8, CONTENT_KEY, key + 1) < end)) return -1;
    }
    const refusal = this.#at(buf, 6, REFUSAL, start);
    if (refusal < end && (!startsWith(buf, REFUSAL_NULL, refusal, end) || this.#at(buf, 6, REFUSAL, refusal + 1) < end)) return -1;
    const index = this.#at(buf, 7, INDEX, start);
    if (index < end && (!startsWith(buf, INDEX_ZERO, index, end) || isDigit(buf[index + INDEX_ZERO.length]))) return -1;
    this.#close = close;
    this.#reasoning = reasoning;
    return open;
  }

  /**
   * A reasoning delta in the shapes servers write most, seen in place with no search of the read:
   * `"index":0,"delta":{` + (`"role":"assistant",`) + (`"content":null,` or `"content":"",`) +
   * `"reasoning_content":"…"` or `"reasoning":"…"` + `}` (DeepSeek, llama.cpp, Ollama, vLLM). The delta
   * holds nothing else, so there is no refusal or second text to look for. -1 when it is not that shape.
   */
  #plainReasoning(buf: Buffer, start: number, end: number): number {
    const delta = this.#at(buf, 0, DELTA, start);
    if (delta >= end || !endsWith(buf, INDEX_ZERO_COMMA, delta, start)) return -1;
    let at = delta + DELTA.length;
    if (startsWith(buf, ROLE_ASSISTANT, at, end)) at += ROLE_ASSISTANT.length;
    if (startsWith(buf, CONTENT_NULL_COMMA, at, end)) at += CONTENT_NULL_COMMA.length;
    else if (startsWith(buf, CONTENT_EMPTY_COMMA, at, end)) at += CONTENT_EMPTY_COMMA.length;
    const name = startsWith(buf, REASONING_CONTENT_TEXT, at, end) ? REASONING_CONTENT_TEXT : startsWith(buf, REASONING_TEXT, at, end) ? REASONING_TEXT : undefined;
    if (name === undefined) return -1;
    const open = at + name.length - 1;
    const close = literalEnd(buf, open, end);
    if (close === -1 || buf[close] !== CLOSE_BRACE) return -1;
    this.#close = close;
    this.#reasoning = true;
    return open;
  }

  /** Forgets the buffer, which must not be kept alive past its read. */
  release(): void {
    this.#buf = undefined;
  }

  /** The first `pattern` at or after `from`; looked up again only once `from` has passed the last one found. */
  #at(buf: Buffer, slot: number, pattern: Buffer, from: number): number {
    let at = this.#next[slot]!;
    if (at < from) {
      at = buf.indexOf(pattern, from);
      if (at === -1) at = buf.length;
      this.#next[slot] = at;
    }
    return at;
  }
}

/** Where the JSON string literal opening at `buf[open]` ends (after its closing quote); -1 when cut short or not JSON. */
function literalEnd(buf: Buffer, open: number, end: number): number {
  let i = open + 1;
  for (;;) {
    if (i >= end) return -1; // cut short
    const b = buf[i]!;
    if (b < 0x20) return -1; // not valid JSON
    if (b === QUOTE) return i + 1;
    i += b === BACKSLASH ? 2 : 1;
  }
}

const isDigit = (b: number | undefined) => b !== undefined && b >= 48 && b <= 57;

/** `what` just before `data[at]`, starting at or after `start`. */
function endsWith(data: Buffer, what: Buffer, at: number, start: number): boolean {
  return at - what.length >= start && startsWith(data, what, at - what.length, at);
}

/** `what` at `data[at]`, ending by `end`; a loop, since a native compare per call costs more for ~20 bytes. */
function startsWith(data: Buffer, what: Buffer, at: number, end: number): boolean {
  if (at + what.length > end) return false;
  for (let i = 0; i < what.length; i++) if (data[at + i] !== what[i]) return false;
  return true;
}
