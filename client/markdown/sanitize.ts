import DOMPurify, { type Config } from "dompurify";
import { MATH_MARK, PENDING_MATH_CLASS, katexClasses } from "./math.ts";
import { safeMathStyle } from "./math-style.ts";

/**
 * The only markup model output may keep after rendering: what marked produces for GFM, nothing that runs,
 * styles, embeds, submits or loads. Images never survive (see `imagePlaceholder`).
 */
const ALLOWED_TAGS = [
  "a", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img",
  "input", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "sup", "table", "tbody", "td", "th",
  "thead", "tr", "ul",
];
const ALLOWED_ATTR = ["href", "title", "alt", "src", "class", "align", "start", "type", "checked", "disabled"];

/**
 * What KaTeX writes: spans with inline sizes (see `safeMathStyle`), SVG paths for stretchy symbols, and
 * MathML for screen readers. Kept only inside KaTeX's own output (marked with MATH_MARK); model html
 * loses them. None of these attributes is a URL; DOMPurify's namespace checks apply too.
 */
const MATH_TAGS = [
  "svg", "path", "line", "math", "semantics", "annotation", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace",
  "msup", "msub", "msubsup", "mfrac", "msqrt", "mroot", "mover", "munder", "munderover", "mtable", "mtr",
  "mtd", "mstyle", "mpadded", "mphantom", "menclose",
];
const MATH_TAG_SET = new Set(MATH_TAGS);
const NO_CLASSES: ReadonlySet<string> = new Set();
const MATH_ATTRS = [
  "mathstyle", "aria-hidden", "xmlns", "encoding", "viewbox", "preserveaspectratio", "d", "width", "height",
  "x1", "x2", "y1", "y2", "stroke-width", "mathvariant", "stretchy", "fence", "separator", "lspace", "rspace",
  "accent", "accentunder", "minsize", "maxsize", "symmetric", "largeop", "movablelimits", "linethickness",
  "columnalign", "columnspacing", "rowspacing", "columnlines", "rowlines", "displaystyle", "scriptlevel",
  "depth", "voffset", "notation", "mathcolor", "mathbackground", "display",
];

/** Links may leave for the web or a mail client; anything else (javascript:, data:, relative) loses its href. */
const SAFE_URL = /^(?:https?|mailto):/i;
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** Class names our highlighter and code blocks use; a model may write them too, which only colours text. */
const SAFE_CLASS = /^(?:hljs(?:-[\w-]+)?|[a-z]+_+|language-[\w+#.-]+|md-image)$/;

/** remend's stand-in for an image whose URL is still arriving. */
const INCOMPLETE_IMAGE = "streamdown:incomplete-image";

const CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  ALLOWED_TAGS: [...ALLOWED_TAGS, ...MATH_TAGS],
  ALLOWED_ATTR: [...ALLOWED_ATTR, ...MATH_ATTRS],
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  // DOMPurify tests EVERY attribute value against ALLOWED_URI_REGEXP unless it is "URI-safe"; with our strict
  // pattern `align="center"`, `start="2"` and `type="checkbox"` would be dropped. None of them is a URL.
  ALLOWED_URI_REGEXP: SAFE_URL,
  ADD_URI_SAFE_ATTR: ["align", "start", "type", ...MATH_ATTRS],
  RETURN_DOM_FRAGMENT: true,
};

export type Sanitize = (html: string) => DocumentFragment;

/**
 * A sanitiser for the FINAL html of rendered markdown (never for the markdown itself: Open WebUI
 * CVE-2026-44568). `win` is the window whose DOM parses it; tests pass a non-browser one.
 */
export function createSanitizer(win: Window & typeof globalThis = window): Sanitize {
  const purify = DOMPurify(win);
  // DOMPurify trusts the DOM it is given; in a DOM that misreports node names (happy-dom 21 does) it
  // returns its input untouched. Refuse to run there rather than pass model html through. (No event
  // handler in the probe: Chromium logs a CSP violation for one even in an inert document.)
  if (/javascript:|<script/i.test(purify.sanitize('<a href="javascript:void 0">a</a><script></script>'))) {
    throw new Error("DOMPurify does not sanitise in this DOM");
  }

  // KaTeX's output, found by its mark (which DOMPurify then drops: no data-* attribute survives).
  const math = new WeakSet<Node>();
  const mathStyles = new WeakMap<Node, string>();
  const inMath = (node: Node) => {
    for (let n: Node | null = node; n; n = n.parentNode) if (math.has(n)) return true;
    return false;
  };
  // Runs inside DOMPurify's inert document, before an <img> could ever reach the live page and fetch
  // (EchoLeak CVE-2025-32711): each image becomes a link the user may choose to open, or plain text.
  // SVG and MathML outside KaTeX's output are removed whole.
  purify.addHook("uponSanitizeElement", (node, data) => {
    if ((node as Element).getAttribute?.("data-math") === MATH_MARK) math.add(node);
    if (MATH_TAG_SET.has(data.tagName) && !inMath(node)) node.parentNode?.removeChild(node);
    else if (data.tagName === "img") node.parentNode?.replaceChild(imagePlaceholder(node as Element), node);
    else if (data.tagName === "input" && (node as Element).getAttribute("type") !== "checkbox") node.parentNode?.removeChild(node);
  });
  purify.addHook("uponSanitizeAttribute", (node, data) => {
    if (data.attrName === "mathstyle") {
      // Applied through CSSOM, which the CSP allows, and never kept as an attribute.
      const style = inMath(node) ? safeMathStyle(data.attrValue) : "";
      if (style) mathStyles.set(node, style);
      data.keepAttr = false;
      return;
    }
    if (data.attrName !== "class") return;
    // KaTeX's classes only once it has loaded, and only those its stylesheet styles.
    const katex = inMath(node) ? katexClasses() : NO_CLASSES;
    const kept = data.attrValue.split(/\s+/).filter((c) => SAFE_CLASS.test(c) || katex.has(c) || c === PENDING_MATH_CLASS);
    data.attrValue = kept.join(" ");
    data.keepAttr = kept.length > 0;
  });
  purify.addHook("afterSanitizeAttributes", (node) => {
    const el = node as Element;
    const style = mathStyles.get(node);
    if (style) (el as HTMLElement).style.cssText = style;
    if (el.nodeName === "A") {
      const href = el.getAttribute("href");
      if (href !== null && !isSafeUrl(href)) el.removeAttribute("href");
      if (el.hasAttribute("href")) {
        el.setAttribute("target", "_blank");
        el.setAttribute("rel", "noopener noreferrer");
      }
    } else if (el.nodeName === "INPUT") {
      // Only a task list's tick box, never a field: whatever a type attribute became, it is a disabled checkbox.
      el.setAttribute("type", "checkbox");
      el.setAttribute("disabled", "");
    }
  });

  // The configuration is read once, not on every call: a long answer is hundreds of blocks. (Cleaning in
  // place in one reused inert document was tried: its extra walks of the tree cost more, 0.16 against
  // 0.1 ms a block in Chromium, than the document DOMPurify parses per call.)
  purify.setConfig(CONFIG);
  return (html) => purify.sanitize(html) as unknown as DocumentFragment;
}

function isSafeUrl(href: string): boolean {
  try {
    return SAFE_PROTOCOLS.has(new URL(href).protocol);
  } catch {
    return false;
  }
}

/**
 * A remote image as a link that opens it in a new tab: the page's CSP (`img-src 'self'`) would block it
 * inline anyway, and a click is the user's consent to contact that host. Any other source is text.
 */
function imagePlaceholder(img: Element): Node {
  const doc = img.ownerDocument;
  const src = img.getAttribute("src") ?? "";
  const alt = (img.getAttribute("alt") ?? "").trim();
  if (src === INCOMPLETE_IMAGE) return doc.createTextNode("");
  let url: URL | undefined;
  try {
    url = new URL(src);
  } catch {}
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    return doc.createTextNode(alt ? `[image: ${alt}]` : "[image]");
  }
  const link = doc.createElement("a");
  link.setAttribute("href", url.href);
  link.setAttribute("class", "md-image");
  link.setAttribute("title", `Opens ${url.href} in a new tab`);
  link.textContent = `${alt ? `Image: ${alt}` : "Image"} · open from ${url.host}`;
  return link;
}
