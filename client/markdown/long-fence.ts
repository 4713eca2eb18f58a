import type { Token, Tokens } from "marked";
import { highlight } from "./highlight.ts";
import { codeToHtml, fenceLanguage } from "./render.ts";
import type { Sanitize } from "./sanitize.ts";

/** A finished code block longer than this is shown plain at once and coloured afterwards, in steps. */
const LONG_FENCE_CHARS = 2048;
/** Lines of highlighted html sanitised in one step: a few milliseconds each. */
const PIECE_LINES = 40;
/** Colouring works this long at most per idle callback (a long task is 50 ms). */
const SLICE_MS = 8;

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
 * piece took 50–140 ms in one frame; here highlighting is one step, and its html is sanitised a few dozen
 * lines per step (each piece whole markup, each through the sanitiser). The block's text is swapped for
 * the coloured one when every piece is ready, so it never shows half coloured.
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
  const html = highlight(fence.text, fence.language);
  if (html === undefined) return;
  yield;
  const coloured = document.createDocumentFragment();
  for (const piece of splitLines(html, PIECE_LINES)) {
    coloured.append(sanitize(piece));
    yield;
  }
  // A new answer may have replaced the block meanwhile.
  if (code.isConnected) code.replaceChildren(coloured);
}

/**
 * highlight.js's html cut after every `lines` line ends that lie outside any span, so each piece is whole
 * markup (a span may cross lines: a comment, a template string). Its output has no other tags.
 */
function splitLines(html: string, lines: number): string[] {
  const pieces: string[] = [];
  let depth = 0;
  let count = 0;
  let from = 0;
  const marks = /<span\b[^>]*>|<\/span>|\n/g;
  for (let m = marks.exec(html); m; m = marks.exec(html)) {
    if (m[0] !== "\n") depth += m[0] === "</span>" ? -1 : 1;
    else if (depth === 0 && ++count >= lines) {
      pieces.push(html.slice(from, m.index + 1));
      from = m.index + 1;
      count = 0;
    }
  }
  if (from < html.length) pieces.push(html.slice(from));
  return pieces;
}
