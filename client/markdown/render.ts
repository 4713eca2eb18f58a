import { Lexer, type Links, Marked, type Token } from "marked";
import { healBlock } from "./heal.ts";
import { highlight } from "./highlight.ts";
import { mathExtensions, maskMath } from "./math-syntax.ts";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** The language named after a fence, reduced to characters a class name may hold. */
export function fenceLanguage(info: string | undefined): string {
  return (info ?? "").trim().split(/\s/)[0]!.toLowerCase().replace(/[^\w+#.-]/g, "");
}

const marked = new Marked({ gfm: true, breaks: false, async: false }, {
  extensions: mathExtensions,
  hooks: { emStrongMask: maskMath },
  renderer: {
    // Highlighted when highlight.js is loaded; the view re-renders code blocks once it arrives.
    code({ text, lang }) {
      const language = fenceLanguage(lang);
      return codeToHtml(text, language, highlight(text, language));
    },
  },
});

/** marked's options with our extensions (math), for the lexers outside `marked` (the block splitter). */
export const MARKED_OPTIONS = marked.defaults;

/**
 * html for one code block: `body` is highlight.js's html for `text`, or absent for the text escaped.
 * Model output: sanitise before use.
 */
export function codeToHtml(text: string, language: string, body = escapeHtml(text)): string {
  const cls = language ? ` class="hljs language-${language}"` : ` class="hljs"`;
  return `<pre><code${cls}>${body}</code></pre>`;
}

/** html for finished blocks (tokens from the block splitter). Model output: sanitise before use. */
export function tokensToHtml(tokens: Token[]): string {
  return marked.parser(tokens).trim();
}

/**
 * html for markdown text; `open` = still being written, so unterminated syntax is closed first.
 * `links`: reference definitions from earlier blocks. Model output: sanitise before use.
 */
export function markdownToHtml(markdown: string, opts: { open?: boolean; links?: Links } = {}): string {
  const lexer = new Lexer(MARKED_OPTIONS);
  Object.assign(lexer.tokens.links, opts.links);
  return marked.parser(lexer.lex(opts.open ? healBlock(markdown) : markdown)).trim();
}
