import type { HLJSApi } from "highlight.js";

let hljs: HLJSApi | undefined;
let loading: Promise<HLJSApi> | undefined;
/** Languages whose grammar has been compiled, by the name highlight.js knows them by. */
const warmed = new Set<string>();
const warming = new Map<string, Promise<void>>();

/** The most code a warm-up highlights: enough to compile the grammar's modes a block of that language uses. */
const WARM_SAMPLE_CHARS = 1000;

/** The highlighter if it has loaded; undefined until then. */
export function loadedHighlighter(): HLJSApi | undefined {
  return hljs;
}

/** Loads highlight.js (its own chunk) the first time an answer has a code block. */
export function loadHighlighter(): Promise<HLJSApi> {
  loading ??= import("./languages.ts").then((m) => (hljs = m.default));
  return loading;
}

/**
 * Highlighted html for `code`; undefined when the language is unknown, or not ready yet (the highlighter
 * still loading, or the grammar not compiled: call `prepareLanguage`, then render again).
 */
export function highlight(code: string, lang: string): string | undefined {
  return highlightPiece(code, lang)?.html;
}

/**
 * `highlight` for one piece of a longer text, and whether the piece ended at the grammar's top level (outside
 * any comment, string or other open construct): only then can the next piece be highlighted on its own
 * and come out as it would in one piece. Undefined when `highlight` would be.
 */
export function highlightPiece(code: string, lang: string): { html: string; atTop: boolean } | undefined {
  const language = hljs && lang ? hljs.getLanguage(lang) : undefined;
  if (!hljs || !language?.name || !warmed.has(language.name)) return undefined;
  // `_top` (the mode the text ended in) is highlight.js's own continuation state; its tests pin its meaning.
  const result = hljs.highlight(code, { language: lang, ignoreIllegals: true }) as { value: string; _top?: unknown };
  return { html: result.value, atTop: result._top === language };
}

/** True when `highlight` can colour `lang` now, or never will (an unknown language): nothing to wait for. */
export function languageReady(lang: string): boolean {
  if (!hljs) return !lang;
  const name = hljs.getLanguage(lang)?.name;
  return !name || warmed.has(name);
}

/**
 * Loads the highlighter and compiles `lang`'s grammar in an idle callback of its own, by highlighting
 * `sample` (real code of that language): highlight.js compiles a grammar, and each of its regular
 * expressions, on first use (30–70 ms for TypeScript under load), which would otherwise land in a frame
 * that renders blocks. Resolves once `highlight` colours `lang`.
 */
export function prepareLanguage(lang: string, sample: string): Promise<void> {
  return loadHighlighter().then((h) => {
    const name = lang ? h.getLanguage(lang)?.name : undefined;
    if (!name || warmed.has(name)) return;
    let ready = warming.get(name);
    if (!ready) {
      // Two idle callbacks, each well under a long task: the grammar, then the regular expressions the
      // sample's constructs need (each compiles when first matched against).
      ready = idle()
        .then(() => void h.highlight("", { language: lang, ignoreIllegals: true }))
        .then(idle)
        .then(() => {
          h.highlight(sample.slice(0, WARM_SAMPLE_CHARS), { language: lang, ignoreIllegals: true });
          warmed.add(name);
        });
      warming.set(name, ready);
    }
    return ready;
  });
}

function idle(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof requestIdleCallback === "function") requestIdleCallback(() => resolve(), { timeout: 200 });
    else setTimeout(resolve, 0);
  });
}
