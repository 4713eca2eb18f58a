import type { Links } from "marked";
import { flashCopied, copyText } from "./copy-text.ts";
import { createBlockSplitter } from "./blocks.ts";
import { languageReady, loadHighlighter, loadedHighlighter, prepareLanguage } from "./highlight.ts";
import { createFenceColourer, longFence, plainFenceHtml } from "./long-fence.ts";
import { PENDING_MATH_CLASS, loadMath } from "./math.ts";
import { MARKED_OPTIONS, fenceLanguage, markdownToHtml, tokensToHtml } from "./render.ts";
import { type Sanitize, createSanitizer } from "./sanitize.ts";

/** Class names for the chrome the view adds around rendered blocks (from the eager CSS module). */
export interface ViewClasses {
  block: string;
  codeBlock: string;
  codeHeader: string;
  codeLang: string;
  copyCode: string;
}

export interface MarkdownView {
  /** The message's whole text so far; rendered on the next animation frame, at once when `streaming` ends. */
  update(text: string, streaming: boolean): void;
  dispose(): void;
}

let sharedSanitizer: Sanitize | undefined;

/** Most text lexed in one step while catching up; a step then costs a few milliseconds. */
const STEP_CHARS = 2048;
/** Work stops for the frame after this long, so the page stays responsive (a long task is 50 ms). */
const FRAME_BUDGET_MS = 5;
/** An open code fence longer than this gets its new lines appended instead of being rendered again. */
const OPEN_FENCE_CHARS = 2048;

type Tokens = Parameters<typeof tokensToHtml>[0];

/**
 * Renders a (growing) markdown answer into `root`. Finished blocks are rendered once and kept; only the
 * open block is rendered again, at most once per animation frame. Each frame does at most about
 * FRAME_BUDGET_MS of work: a backlog (the renderer arrived late, a fast stream outran the frames) is
 * caught up over several frames. All html is model output and passes the sanitiser after rendering;
 * the copy buttons are added afterwards with DOM calls and handled by one delegated listener, so model
 * output can never make one.
 */
export function mountMarkdown(root: HTMLElement, classes: ViewClasses): MarkdownView {
  const sanitize = (sharedSanitizer ??= createSanitizer());
  const splitter = createBlockSplitter(MARKED_OPTIONS);
  const colourer = createFenceColourer(sanitize);
  const finished: { tokens: Tokens; el: HTMLElement }[] = [];
  // Finished blocks lexed but not rendered yet, oldest first.
  const queue: Tokens[] = [];
  // Length of the text's finished part (what the splitter will not lex again).
  let done = 0;
  let openEl: HTMLElement | undefined;
  let openSource = "";
  let openLinks: Links = {};
  // The <code> of a long open fence, and how much of the fence's body it shows.
  let openCode: { el: Element; shown: number } | undefined;
  // Blocks rendered before their language was ready, rendered again (coloured) a few a frame.
  let uncoloured: typeof finished = [];
  // Languages being prepared for this view: each is waited for once, not once per block that uses it.
  const preparing = new Set<string>();
  let waitingForMath = false;
  let text = "";
  let streaming = false;
  let frame: number | undefined;
  let disposed = false;

  root.replaceChildren();

  const block = (content: DocumentFragment) => {
    const el = document.createElement("div");
    el.className = classes.block;
    el.append(decorate(content, classes));
    // A language not ready yet shows plain now, and every block is coloured again once it is.
    for (const code of el.querySelectorAll("code[class*=language-]")) {
      const lang = fenceLanguage(code.className.match(/language-(\S+)/)?.[1]);
      if (languageReady(lang) || preparing.has(lang)) continue;
      preparing.add(lang);
      void prepareLanguage(lang, code.textContent ?? "").then(() => {
        preparing.delete(lang);
        rehighlight();
      });
    }
    // A formula before KaTeX has loaded shows as its source; its block is rendered again once it has.
    if (!waitingForMath && el.querySelector(`.${PENDING_MATH_CLASS}`)) {
      waitingForMath = true;
      void loadMath().then(() => rerender(`.${PENDING_MATH_CLASS}`), (error: unknown) => console.warn("math renderer unavailable:", error));
    }
    return el;
  };

  const setOpen = (el: HTMLElement | undefined, source = "", links: Links = {}) => {
    if (el && openEl) openEl.replaceWith(el);
    else if (el) root.append(el);
    else openEl?.remove();
    openEl = el;
    openSource = source;
    openLinks = links;
    openCode = undefined;
  };

  /**
   * Lexes about `window` characters past the finished part, cut at a line end, and queues the blocks that
   * finished. Returns the open block once the whole text has been lexed, undefined while more remains.
   */
  const step = (window = STEP_CHARS): { open: string; links: Links } | undefined => {
    let upto = text.length;
    if (text.length - done > window) {
      const cut = text.lastIndexOf("\n", done + window);
      if (cut > done) upto = cut + 1;
    }
    const all = upto === text.length;
    const update = splitter.next(all ? text : text.slice(0, upto), all && !streaming);
    if (update.reset) {
      finished.length = 0;
      queue.length = 0;
      root.replaceChildren();
      setOpen(undefined);
    }
    queue.push(...update.finished);
    // Nothing finished inside the window (one block longer than it, or CR LF text): a wider one.
    const stuck = !all && update.done === done && !update.reset;
    done = update.done;
    if (stuck) return step(window * 2);
    return all ? update : undefined;
  };

  const renderQueued = () => {
    const tokens = queue.shift()!;
    // A long code block is shown plain now and coloured in idle time: in one piece it is a long task.
    const fence = longFence(tokens);
    const el = block(sanitize(fence ? plainFenceHtml(fence) : tokensToHtml(tokens)));
    root.insertBefore(el, openEl ?? null);
    finished.push({ tokens, el });
    if (fence && languageReady(fence.language) && loadedHighlighter()) colourer.colour(el, fence);
  };

  const showOpen = (open: string, links: Links) => {
    if (open === "") setOpen(undefined);
    else if (open !== openSource || !openEl) {
      if (!appendToFence(open)) setOpen(block(sanitize(markdownToHtml(open, { open: true, links }))), open, links);
    }
  };

  /**
   * A long open fence that only grew gets the new text appended as a text node (inert, no parsing), so
   * each frame costs the new lines rather than the whole fence again. It is highlighted once finished.
   */
  const appendToFence = (open: string): boolean => {
    if (!openEl || open.length < OPEN_FENCE_CHARS || !open.startsWith(openSource) || open.includes("\r")) return false;
    const opener = /^(`{3,}|~{3,})[^\n]*\n/.exec(open);
    if (!opener) return false;
    const body = open.slice(opener[0].length);
    if (!openCode) {
      const code = openEl.querySelector("pre > code");
      const shown = code?.textContent ?? "";
      if (!code || !body.startsWith(shown)) return false;
      openCode = { el: code, shown: shown.length };
    }
    // A last line of fence characters only may be the closing fence arriving: wait until it is whole.
    const lastBreak = body.lastIndexOf("\n");
    const end = /^[`~]+\s*$/.test(body.slice(lastBreak + 1)) ? lastBreak + 1 : body.length;
    if (end > openCode.shown) {
      openCode.el.append(body.slice(openCode.shown, end));
      openCode.shown = end;
    }
    openSource = open;
    return true;
  };

  const flush = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    frame = undefined;
    if (disposed) return;
    const start = performance.now();
    let open: ReturnType<typeof step>;
    for (;;) {
      if (queue.length > 0) renderQueued();
      else if (!open) open = step();
      else break;
      if (performance.now() - start > FRAME_BUDGET_MS) {
        // Behind: the open block would show text that is already in the blocks above it.
        if (queue.length > 0 || !open) setOpen(undefined);
        frame = requestAnimationFrame(flush);
        return;
      }
    }
    showOpen(open.open, open.links);
    while (uncoloured.length > 0 && performance.now() - start < FRAME_BUDGET_MS) {
      const f = uncoloured.shift()!;
      if (!f.el.isConnected) continue;
      const fence = longFence(f.tokens);
      if (fence) colourer.colour(f.el, fence);
      else f.el.replaceChildren(decorate(sanitize(tokensToHtml(f.tokens)), classes));
    }
    if (uncoloured.length > 0) frame = requestAnimationFrame(flush);
  };

  const rehighlight = () => rerender("pre");

  /** Renders again, a few a frame, the finished blocks holding `selector`, and the open block. */
  const rerender = (selector: string) => {
    if (disposed) return;
    uncoloured = [...uncoloured, ...finished.filter((f) => f.el.querySelector(selector) && !uncoloured.includes(f))];
    if (openEl && openSource) setOpen(block(sanitize(markdownToHtml(openSource, { open: true, links: openLinks }))), openSource, openLinks);
    frame ??= requestAnimationFrame(flush);
  };

  const onClick = (event: MouseEvent) => {
    const button = (event.target as Element | null)?.closest?.(`button.${CSS.escape(classes.copyCode)}`);
    if (!(button instanceof HTMLElement) || !root.contains(button)) return;
    const code = button.closest(`.${CSS.escape(classes.codeBlock)}`)?.querySelector("code")?.textContent ?? "";
    void copyText(code).then((ok) => flashCopied(button, ok));
  };
  root.addEventListener("click", onClick);

  return {
    update(next, isStreaming) {
      text = next;
      streaming = isStreaming;
      if (!streaming) flush();
      else frame ??= requestAnimationFrame(flush);
    },
    dispose() {
      disposed = true;
      colourer.stop();
      if (frame !== undefined) cancelAnimationFrame(frame);
      root.removeEventListener("click", onClick);
    },
  };
}

/** One of each kind of block: lexed, rendered and sanitised once before any answer needs it. */
const SAMPLE =
  "# A\n\nSome **bold**, `code` and [a link](https://example.com).\n\n- one\n- two\n\n1. first\n\n> quoted\n\n" +
  "| a | b |\n| --- | --- |\n| 1 | 2 |\n\n```ts\nconst x = 1;\n```\n\nThe *end";

/**
 * Runs each stage of rendering once on a small sample, one stage per idle callback, then loads the
 * highlighter: the first answer then does not pay for compiling the lexer's regular expressions, the
 * sanitiser or evaluating highlight.js (tens of milliseconds each).
 */
export function warmUp(): void {
  let tokens: Tokens[] = [];
  let html = "";
  const stages = [
    () => (tokens = createBlockSplitter(MARKED_OPTIONS).next(SAMPLE, true).finished),
    () => (html = tokens.map(tokensToHtml).join("") + markdownToHtml(SAMPLE, { open: true })),
    () => (sharedSanitizer ??= createSanitizer())(html),
    // highlight.js (its own chunk) is evaluated now rather than mid-answer, at the first code block:
    // 15–45 ms of script that would land among the frames of a streaming answer.
    () => void loadHighlighter(),
  ];
  const next = () => {
    stages.shift()?.();
    if (stages.length > 0) requestIdleCallback(next);
  };
  requestIdleCallback(next);
}

/** Wraps each code block with a header: its language and a Copy button. */
function decorate(fragment: DocumentFragment, classes: ViewClasses): DocumentFragment {
  for (const pre of fragment.querySelectorAll("pre")) {
    const code = pre.querySelector("code");
    const lang = fenceLanguage(code?.className.match(/language-(\S+)/)?.[1]);
    const wrapper = document.createElement("div");
    wrapper.className = classes.codeBlock;
    const header = document.createElement("div");
    header.className = classes.codeHeader;
    const label = document.createElement("span");
    label.className = classes.codeLang;
    label.textContent = lang || "text";
    const button = document.createElement("button");
    button.type = "button";
    button.className = classes.copyCode;
    button.textContent = "Copy";
    header.append(label, button);
    pre.replaceWith(wrapper);
    wrapper.append(header, pre);
  }
  return fragment;
}
