/** Where the text of an answer goes once its think tags are sorted out. */
export interface AnswerText {
  content(text: string): void;
  reasoning(text: string): void;
  /** Everything sent as content so far was reasoning after all (a lone `</think>`); `text` is more of it. */
  contentWasReasoning(text: string): void;
}

/** Openers a model may start its answer with, and the tag that ends each. */
const TAGS: ReadonlyArray<readonly [string, string]> = [
  ["<think>", "</think>"],
  ["<thinking>", "</thinking>"],
  ["[THINK]", "[/THINK]"],
];
/** Qwen3's chat templates put `<think>` in the prompt: the model writes only the closing tag. */
const LONE_CLOSE = "</think>";

const LT = 0x3c;
const BRACKET = 0x5b;
const BACKTICK = 0x60;
const BACKSLASH = 0x5c;
const U = 0x75;

type State =
  /** Nothing but whitespace yet: the answer may still open with a tag. */
  | "start"
  /** Inside a think block: text is reasoning until the closing tag. */
  | "inside"
  /** Just after a closing tag: the whitespace that separates it from the answer is dropped. */
  | "after"
  /** Plain answer so far, with no backtick: a lone `</think>` would still turn it into reasoning. */
  | "watching"
  /** The rest is content, whatever it holds. */
  | "settled";

/**
 * Separates reasoning written inline in the content (`<think>…</think>`, `<thinking>`, `[THINK]`, as
 * DeepSeek-R1 distills, QwQ, Magistral's and older servers' templates do) from the answer, with tags
 * split anywhere across chunks. Only a tag at the very start of the answer opens a think block, and a
 * lone `</think>` counts only before the answer's first backtick: a model writing about the tags (in
 * code) keeps them as content. Text that might be the start of a tag is held back until the next
 * chunk says what it is, never longer; an answer with no tags is passed on unchanged, byte for byte.
 */
export class ThinkTags {
  #state: State = "start";
  #held = "";
  #close = LONE_CLOSE;

  /** No tag can matter any more: content may be copied to the wire without being looked at. */
  get settled(): boolean {
    return this.#state === "settled";
  }

  /**
   * What the content literal `buf[open, close)` (a JSON string, quotes included) is, when it can go to
   * the wire unread: "content", "reasoning" (inside a think block), or undefined when it must be decoded
   * and pushed. A literal that could hold a tag (a `<` or `[`, raw or as a `\u` escape, as Go servers
   * write `<`) is always read; while watching for a lone `</think>`, a backtick ends the watch.
   */
  classify(buf: Buffer, open: number, close: number): "content" | "reasoning" | undefined {
    const state = this.#state;
    if (state === "settled") return "content";
    if ((state !== "watching" && state !== "inside") || this.#held !== "") return undefined;
    let tick = false;
    for (let i = open + 1; i < close - 1; i++) {
      const b = buf[i]!;
      if (b === LT || b === BRACKET || (b === BACKSLASH && buf[i + 1] === U)) return undefined;
      if (b === BACKTICK) tick = true;
      if (b === BACKSLASH) i++;
    }
    if (state === "inside") return "reasoning";
    if (tick) this.#state = "settled";
    return "content";
  }

  /** Reasoning came in a field of its own: the server already split it, so tags no longer apply. */
  settle(out: AnswerText): void {
    if (this.#state === "start" || this.#state === "watching") {
      this.#flush(out);
      this.#state = "settled";
    }
  }

  /** The next piece of the answer's content. */
  push(text: string, out: AnswerText): void {
    if (text === "") return;
    const s = this.#held + text;
    this.#held = "";
    switch (this.#state) {
      case "settled":
        return out.content(s);
      case "start":
        return this.#start(s, out);
      case "inside":
        return this.#inside(s, out);
      case "after":
        return this.#after(s, out);
      case "watching":
        return this.#watch(s, out);
    }
  }

  /** The answer ended: text held back was what it looked like after all. */
  end(out: AnswerText): void {
    this.#flush(out);
    this.#state = "settled";
  }

  #flush(out: AnswerText): void {
    const held = this.#held;
    this.#held = "";
    if (held === "") return;
    if (this.#state === "inside") out.reasoning(held);
    else if (this.#state !== "after") out.content(held);
  }

  #start(s: string, out: AnswerText): void {
    const rest = s.trimStart();
    if (rest === "") {
      this.#held = s;
      return;
    }
    for (const [open, close] of TAGS) {
      if (rest.startsWith(open)) {
        this.#state = "inside";
        this.#close = close;
        return this.#inside(rest.slice(open.length), out);
      }
      if (open.startsWith(rest)) {
        this.#held = s;
        return;
      }
    }
    this.#state = "watching";
    this.#watch(s, out);
  }

  #inside(s: string, out: AnswerText): void {
    const at = s.indexOf(this.#close);
    if (at !== -1) {
      if (at > 0) out.reasoning(s.slice(0, at));
      this.#state = "after";
      return this.#after(s.slice(at + this.#close.length), out);
    }
    const keep = partialTagAtEnd(s, this.#close);
    if (keep < s.length) out.reasoning(s.slice(0, s.length - keep));
    this.#held = s.slice(s.length - keep);
  }

  #after(s: string, out: AnswerText): void {
    const rest = s.trimStart();
    if (rest === "") return;
    this.#state = "settled";
    out.content(rest);
  }

  #watch(s: string, out: AnswerText): void {
    const tick = s.indexOf("`");
    const at = s.indexOf(LONE_CLOSE);
    if (at !== -1 && (tick === -1 || at < tick)) {
      out.contentWasReasoning(s.slice(0, at));
      this.#state = "after";
      return this.#after(s.slice(at + LONE_CLOSE.length), out);
    }
    if (tick !== -1) {
      this.#state = "settled";
      return out.content(s);
    }
    const keep = partialTagAtEnd(s, LONE_CLOSE);
    if (keep < s.length) out.content(s.slice(0, s.length - keep));
    this.#held = s.slice(s.length - keep);
  }
}

/** The length of the longest end of `s` that is a proper start of `tag` (a tag cut by the chunk). */
function partialTagAtEnd(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) {
    if (s.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}
