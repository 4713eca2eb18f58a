import { Lexer, type Links, type MarkedOptions, type Token } from "marked";

/** What changed since the previous call: blocks that can no longer change, and the one still growing. */
export interface BlockUpdate {
  /** The text no longer starts with what was finished before (a new answer): start over. */
  reset: boolean;
  /** Newly finished top-level blocks (tokens already lexed, link definitions resolved), in order. */
  finished: Token[][];
  /** Markdown of the block(s) still open; "" when there are none. */
  open: string;
  /** Link reference definitions seen so far, for rendering the open block. */
  links: Links;
  /** Length of the text's finished part: the next call lexes only what follows it. */
  done: number;
}

/**
 * Splits a growing markdown text into top-level blocks with marked's lexer. Only the text after the last
 * finished block is lexed again, so each update costs the size of the open block, not of the answer.
 *
 * A block is finished once another block follows it, except a list: `2.` arriving after it may still
 * join it, so a list stays open until a second block follows.
 */
export function createBlockSplitter(options: MarkedOptions) {
  let finishedText = "";
  let links: Links = Object.create(null);

  return {
    /** `final`: the text is complete, so every block is finished. */
    next(text: string, final: boolean): BlockUpdate {
      let reset = false;
      if (!text.startsWith(finishedText)) {
        finishedText = "";
        links = Object.create(null);
        reset = true;
      }
      const tail = text.slice(finishedText.length);
      const lexer = new Lexer(options);
      Object.assign(lexer.tokens.links, links);
      const tokens = lexer.lex(tail);
      links = { ...links, ...lexer.tokens.links };

      // marked turns CR LF into LF; offsets then no longer match the text, so finish nothing until the end.
      const exact = tokens.reduce((n, t) => n + t.raw.length, 0) === tail.length;
      const cut = final ? tokens.length : exact ? openFrom(tokens) : 0;
      const finished: Token[][] = [];
      for (const token of tokens.slice(0, cut)) {
        if (token.type === "space" || token.type === "def") continue;
        finished.push([token]);
      }
      const done = tokens.slice(0, cut).reduce((s, t) => s + t.raw, "");
      finishedText += exact ? done : final ? tail : "";
      const open = final ? "" : exact ? tail.slice(done.length) : tail;
      return { reset, finished, open: open.trim() === "" ? "" : open, links, done: finishedText.length };
    },
  };
}

/** Index of the first token that may still change. */
function openFrom(tokens: Token[]): number {
  const blocks = tokens.flatMap((t, i) => (t.type === "space" ? [] : [i]));
  const last = blocks.at(-1);
  if (last === undefined) return 0;
  const before = blocks.at(-2);
  if (before !== undefined && tokens[before]!.type === "list") return before;
  return last;
}
