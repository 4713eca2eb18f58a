import type { Token, Tokens } from "marked";
import { highlightPiece } from "./highlight.ts";
import { codeToHtml, fenceLanguage } from "./render.ts";
import type { Sanitize } from "./sanitize.ts";

/** A finished code block longer than this is shown plain at once and coloured afterwards, in steps. */
const LONG_FENCE_CHARS = 2048;
/** Lines highlighted and sanitised in one step: a few milliseconds each. */
const PIECE_LINES = 16;
/** Colouring works this long at most per idle callback (a long task is 50 ms). */
const SLICE_MS = 5;

export interface LongFence {
  text: string;
  language: string;
}

/** The block's code when the block is one long code block; undefined for any other block. */
export function longFence(tokens: Token[]): LongFence | undefined {
  const token = tokens[0];
  if (tokens.length !== 1 || token?.type !== "code") return undefined;
  const { text, lang } = token as Tokens.Code;
  return text.length > LONG_FENCE_CHARS ? { text, language: fenceLanguage(lang) } : undefined;
}

/** html for the long block, escaped and not highlighted: cheap to sanitise. Model output: sanitise before use. */
export function plainFenceHtml(fence: LongFence): string {
  return codeToHtml(fence.text, fence.language);
}

/**
 * Colours long code blocks in idle time. Highlighting a 240-line block and sanitising the result in one
 * piece took 50–140 ms in one frame; here each step highlights and sanitises a few dozen lines. The
 * block's text is swapped for the coloured one when every piece is ready, so it never shows half coloured.
 */
export function createFenceColourer(sanitize: Sanitize) {
  const jobs: Generator<void>[] = [];
  let scheduled = false;
  let stopped = false;

  const run = () => {
    scheduled = false;
    if (stopped) return;
    const start = performance.now();
    while (jobs.length > 0 && performance.now() - start < SLICE_MS) {
      if (jobs[0]!.next().done) jobs.shift();
    }
    schedule();
  };
  const schedule = () => {
    if (scheduled || stopped || jobs.length === 0) return;
    scheduled = true;
    if (typeof requestIdleCallback === "function") requestIdleCallback(run, { timeout: 200 });
    else setTimeout(run, 0);
  };

  return {
    /** Colours the code of `block` (rendered from `fence` with `plainFenceHtml`); highlight.js must be loaded. */
    colour(block: Element, fence: LongFence) {
      const code = block.querySelector("pre > code");
      if (!code) return;
      jobs.push(colourSteps(code, fence, sanitize));
      schedule();
    },
    stop() {
      stopped = true;
      jobs.length = 0;
    },
  };
}

function* colourSteps(code: Element, fence: LongFence, sanitize: Sanitize): Generator<void> {
  const coloured = document.createDocumentFragment();
  for (const html of highlightInPieces(fence.text, fence.language, PIECE_LINES)) {
    if (html === undefined) return;
    coloured.append(sanitize(html));
    yield;
  }
  // A new answer may have replaced the block meanwhile.
  if (code.isConnected) code.replaceChildren(coloured);
}

/**
 * `text` highlighted about `lines` lines at a time (undefined if the language is not ready). A piece ends
 * only where the grammar is back at its top level (not inside a comment or a string), so each piece comes
 * out as it would in one piece, and is whole markup: joined, they are the text highlighted in one go.
 */
export function* highlightInPieces(text: string, language: string, lines: number): Generator<string | undefined> {
  const all = text.split("\n");
  for (let from = 0; from < all.length; ) {
    let to = from;
    let piece: ReturnType<typeof highlightPiece>;
    do {
      to = Math.min(to + lines, all.length);
      piece = highlightPiece(all.slice(from, to).join("\n") + (to < all.length ? "\n" : ""), language);
      if (!piece) return yield undefined;
    } while (!piece.atTop && to < all.length);
    yield piece.html;
    from = to;
  }
}
