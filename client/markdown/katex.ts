import katex from "katex";
import css from "katex/dist/katex.min.css" with { type: "text" };
import AMSRegular from "katex/dist/fonts/KaTeX_AMS-Regular.woff2" with { type: "file" };
import CaligraphicBold from "katex/dist/fonts/KaTeX_Caligraphic-Bold.woff2" with { type: "file" };
import CaligraphicRegular from "katex/dist/fonts/KaTeX_Caligraphic-Regular.woff2" with { type: "file" };
import FrakturBold from "katex/dist/fonts/KaTeX_Fraktur-Bold.woff2" with { type: "file" };
import FrakturRegular from "katex/dist/fonts/KaTeX_Fraktur-Regular.woff2" with { type: "file" };
import MainBold from "katex/dist/fonts/KaTeX_Main-Bold.woff2" with { type: "file" };
import MainBoldItalic from "katex/dist/fonts/KaTeX_Main-BoldItalic.woff2" with { type: "file" };
import MainItalic from "katex/dist/fonts/KaTeX_Main-Italic.woff2" with { type: "file" };
import MainRegular from "katex/dist/fonts/KaTeX_Main-Regular.woff2" with { type: "file" };
import MathBoldItalic from "katex/dist/fonts/KaTeX_Math-BoldItalic.woff2" with { type: "file" };
import MathItalic from "katex/dist/fonts/KaTeX_Math-Italic.woff2" with { type: "file" };
import SansSerifBold from "katex/dist/fonts/KaTeX_SansSerif-Bold.woff2" with { type: "file" };
import SansSerifItalic from "katex/dist/fonts/KaTeX_SansSerif-Italic.woff2" with { type: "file" };
import SansSerifRegular from "katex/dist/fonts/KaTeX_SansSerif-Regular.woff2" with { type: "file" };
import ScriptRegular from "katex/dist/fonts/KaTeX_Script-Regular.woff2" with { type: "file" };
import Size1Regular from "katex/dist/fonts/KaTeX_Size1-Regular.woff2" with { type: "file" };
import Size2Regular from "katex/dist/fonts/KaTeX_Size2-Regular.woff2" with { type: "file" };
import Size3Regular from "katex/dist/fonts/KaTeX_Size3-Regular.woff2" with { type: "file" };
import Size4Regular from "katex/dist/fonts/KaTeX_Size4-Regular.woff2" with { type: "file" };
import TypewriterRegular from "katex/dist/fonts/KaTeX_Typewriter-Regular.woff2" with { type: "file" };

// The fonts are imported one by one as files: Bun's CSS bundler would inline every url() under 128 KB as a
// data: URI (oven-sh/bun #37975), which the page's CSP (font-src 'self') refuses, and all 20 of them would
// join the first paint's stylesheet. As files they are fetched only when a formula uses them.
const FONTS: Record<string, string> = {
  "KaTeX_AMS-Regular": AMSRegular,
  "KaTeX_Caligraphic-Bold": CaligraphicBold,
  "KaTeX_Caligraphic-Regular": CaligraphicRegular,
  "KaTeX_Fraktur-Bold": FrakturBold,
  "KaTeX_Fraktur-Regular": FrakturRegular,
  "KaTeX_Main-Bold": MainBold,
  "KaTeX_Main-BoldItalic": MainBoldItalic,
  "KaTeX_Main-Italic": MainItalic,
  "KaTeX_Main-Regular": MainRegular,
  "KaTeX_Math-BoldItalic": MathBoldItalic,
  "KaTeX_Math-Italic": MathItalic,
  "KaTeX_SansSerif-Bold": SansSerifBold,
  "KaTeX_SansSerif-Italic": SansSerifItalic,
  "KaTeX_SansSerif-Regular": SansSerifRegular,
  "KaTeX_Script-Regular": ScriptRegular,
  "KaTeX_Size1-Regular": Size1Regular,
  "KaTeX_Size2-Regular": Size2Regular,
  "KaTeX_Size3-Regular": Size3Regular,
  "KaTeX_Size4-Regular": Size4Regular,
  "KaTeX_Typewriter-Regular": TypewriterRegular,
};

/** The stylesheet with each font's woff2 only (every browser we support reads it), from our own origin. */
const STYLES = css.replace(/src:url\(fonts\/([\w-]+)\.woff2\)[^;}]*/g, (_, name: string) => `src:url(${FONTS[name]}) format("woff2")`);

/**
 * Every class KaTeX's stylesheet styles, and the error mark ours styles: the only class names of its
 * output the sanitiser keeps (the others change nothing on screen).
 */
export const KATEX_CLASSES: ReadonlySet<string> = new Set([...[...css.matchAll(/\.([a-z][\w-]*)/gi)].map((m) => m[1]!), "katex-error"]);

let installed = false;

/**
 * Adds KaTeX's stylesheet to the page. A constructed stylesheet, because the CSP allows no inline
 * <style>; CSSOM is not inline style. Its fonts resolve against the page, so they load from our origin.
 */
export function installStyles(): void {
  if (installed || typeof CSSStyleSheet === "undefined") return;
  installed = true;
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(STYLES);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

/**
 * html for a formula. Model output: `trust: false` refuses \href, \url, \includegraphics and \html*;
 * an invalid formula comes back as its source (in a .katex-error span titled with the reason), in the
 * text's own colour; `maxSize` bounds \rule and friends. Sanitise before use like any model html.
 */
export function renderTex(tex: string, display: boolean): string {
  return katex.renderToString(tex, {
    displayMode: display,
    throwOnError: false,
    trust: false,
    strict: "ignore",
    errorColor: "currentColor",
    maxSize: 20,
    maxExpand: 500,
    output: "htmlAndMathml",
  });
}
