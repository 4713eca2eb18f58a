import type { HLJSApi } from "highlight.js";

let hljs: HLJSApi | undefined;
let loading: Promise<HLJSApi> | undefined;

/** The highlighter if it has loaded; undefined until then. */
export function loadedHighlighter(): HLJSApi | undefined {
  return hljs;
}

/** Loads highlight.js (its own chunk) the first time an answer has a code block. */
export function loadHighlighter(): Promise<HLJSApi> {
  loading ??= import("./languages.ts").then((m) => (hljs = m.default));
  return loading;
}

/** Highlighted html for `code`, or undefined when the language is unknown or the highlighter not loaded yet. */
export function highlight(code: string, lang: string): string | undefined {
  if (!hljs || !lang || !hljs.getLanguage(lang)) return undefined;
  return hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
}

/**
 * Compiles `lang`'s grammar in an idle callback of its own. highlight.js compiles a grammar on its first
 * use (30–70 ms for TypeScript under load), which would otherwise land in a frame that renders blocks.
 */
export function warmLanguage(lang: string): Promise<void> {
  return new Promise((resolve) => {
    const run = () => {
      if (hljs && lang && hljs.getLanguage(lang)) hljs.highlight("", { language: lang, ignoreIllegals: true });
      resolve();
    };
    if (typeof requestIdleCallback === "function") requestIdleCallback(run, { timeout: 200 });
    else setTimeout(run, 0);
  });
}
