import DOMPurify, { type Config } from "dompurify";

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

/** Links may leave for the web or a mail client; anything else (javascript:, data:, relative) loses its href. */
const SAFE_URL = /^(?:https?|mailto):/i;
const SAFE_PROTOCOLS = new Set(["http:", "https:", "mailto:"]);

/** Class names our highlighter and code blocks use; a model may write them too, which only colours text. */
const SAFE_CLASS = /^(?:hljs(?:-[\w-]+)?|[a-z]+_+|language-[\w+#.-]+|md-image)$/;

/** remend's stand-in for an image whose URL is still arriving. */
const INCOMPLETE_IMAGE = "streamdown:incomplete-image";

const CONFIG: Config & { RETURN_DOM_FRAGMENT: true } = {
  ALLOWED_TAGS,
  ALLOWED_ATTR,
  ALLOW_DATA_ATTR: false,
  ALLOW_ARIA_ATTR: false,
  // DOMPurify tests EVERY attribute value against ALLOWED_URI_REGEXP unless it is "URI-safe"; with our strict
  // pattern `align="center"`, `start="2"` and `type="checkbox"` would be dropped. None of them is a URL.
  ALLOWED_URI_REGEXP: SAFE_URL,
  ADD_URI_SAFE_ATTR: ["align", "start", "type"],
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

  // Runs inside DOMPurify's inert document, before an <img> could ever reach the live page and fetch
  // (EchoLeak CVE-2025-32711): each image becomes a link the user may choose to open, or plain text.
  purify.addHook("uponSanitizeElement", (node, data) => {
    if (data.tagName === "img") node.parentNode?.replaceChild(imagePlaceholder(node as Element), node);
    else if (data.tagName === "input" && (node as Element).getAttribute("type") !== "checkbox") node.parentNode?.removeChild(node);
  });
  purify.addHook("uponSanitizeAttribute", (_node, data) => {
    if (data.attrName !== "class") return;
    const kept = data.attrValue.split(/\s+/).filter((c) => SAFE_CLASS.test(c));
    data.attrValue = kept.join(" ");
    data.keepAttr = kept.length > 0;
  });
  purify.addHook("afterSanitizeAttributes", (node) => {
    const el = node as Element;
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
