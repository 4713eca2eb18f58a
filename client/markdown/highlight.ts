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
