type Katex = typeof import("./katex.ts");

let katex: Katex | undefined;
let loading: Promise<Katex> | undefined;

/**
 * Marks KaTeX's own output for the sanitiser: only inside it may SVG, MathML, inline styles and KaTeX's
 * classes survive. Random per page and removed by the sanitiser, so model html never carries it.
 */
export const MATH_MARK = [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, "0")).join("");

/** Marks a formula shown as its source while KaTeX loads; the view renders its block again once it has. */
export const PENDING_MATH_CLASS = "math-pending";

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Loads KaTeX, its stylesheet and fonts (their own chunk) the first time an answer has a formula. */
export function loadMath(): Promise<Katex> {
  loading ??= import("./katex.ts").then((m) => {
    m.installStyles();
    return (katex = m);
  });
  return loading;
}

/** True once formulas render as math rather than as their source. */
export function mathReady(): boolean {
  return katex !== undefined;
}

/**
 * html for one formula: KaTeX's once it has loaded, until then the source as text, marked pending (and
 * the load started). Model output: sanitise before use.
 */
export function mathToHtml(tex: string, display: boolean): string {
  // KaTeX's inline styles travel as `mathstyle`: a style attribute would be refused by the CSP when the
  // sanitiser parses the html (and reported); the sanitiser applies them through CSSOM instead.
  if (katex) return `<span data-math="${MATH_MARK}">${katex.renderTex(tex, display).replaceAll(' style="', ' mathstyle="')}</span>`;
  void loadMath().catch(() => {});
  const source = display ? `$$${tex}$$` : `$${tex}$`;
  return `<span class="${PENDING_MATH_CLASS}">${escapeHtml(source)}</span>`;
}

/** The class names KaTeX's output may keep through the sanitiser: none until KaTeX has loaded. */
export function katexClasses(): ReadonlySet<string> {
  return katex?.KATEX_CLASSES ?? NO_CLASSES;
}
const NO_CLASSES: ReadonlySet<string> = new Set();
