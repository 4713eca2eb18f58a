import { flashCopied, copyText } from "./copy-text.ts";
import { createBlockSplitter } from "./blocks.ts";
import { loadedHighlighter, loadHighlighter } from "./highlight.ts";
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

/**
 * Renders a (growing) markdown answer into `root`. Finished blocks are rendered once and kept; only the
 * open block is rendered again, at most once per animation frame. All html is model output and passes
 * the sanitiser after rendering; the copy buttons are added afterwards with DOM calls and handled by
 * one delegated listener, so model output can never make one.
 */
export function mountMarkdown(root: HTMLElement, classes: ViewClasses): MarkdownView {
  const sanitize = (sharedSanitizer ??= createSanitizer());
  const splitter = createBlockSplitter(MARKED_OPTIONS);
  const finished: { tokens: Parameters<typeof tokensToHtml>[0]; el: HTMLElement }[] = [];
  let openEl: HTMLElement | undefined;
  let openSource = "";
  let openLinks = {};
  let text = "";
  let streaming = false;
  let frame: number | undefined;
  let disposed = false;

  root.replaceChildren();

  const block = (content: DocumentFragment) => {
    const el = document.createElement("div");
    el.className = classes.block;
    el.append(decorate(content, classes));
    if (!loadedHighlighter() && el.querySelector("code[class*=language-]")) void loadHighlighter().then(rehighlight);
    return el;
  };

  const flush = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    frame = undefined;
    if (disposed) return;
    const update = splitter.next(text, !streaming);
    if (update.reset) {
      finished.length = 0;
      root.replaceChildren();
      openEl = undefined;
      openSource = "";
    }
    for (const tokens of update.finished) {
      const el = block(sanitize(tokensToHtml(tokens)));
      root.insertBefore(el, openEl ?? null);
      finished.push({ tokens, el });
    }
    if (update.open === "") {
      openEl?.remove();
      openEl = undefined;
      openSource = "";
    } else if (update.open !== openSource || !openEl) {
      const el = block(sanitize(markdownToHtml(update.open, { open: true, links: update.links })));
      if (openEl) openEl.replaceWith(el);
      else root.append(el);
      openEl = el;
      openSource = update.open;
      openLinks = update.links;
    }
  };

  // Blocks rendered before highlight.js arrived: render their code again, now coloured.
  const rehighlight = () => {
    if (disposed) return;
    for (const f of finished) {
      if (f.el.querySelector("pre")) f.el.replaceChildren(decorate(sanitize(tokensToHtml(f.tokens)), classes));
    }
    if (openEl && openSource) {
      const el = block(sanitize(markdownToHtml(openSource, { open: true, links: openLinks })));
      openEl.replaceWith(el);
      openEl = el;
    }
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
      if (frame !== undefined) cancelAnimationFrame(frame);
      root.removeEventListener("click", onClick);
    },
  };
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
