/**
 * The inline styles KaTeX lays formulas out with: sizes, offsets, borders and colours. A model may write
 * `style` too, so each declaration is checked: a known property, and a value made only of lengths
 * (bounded), colours and a few keywords; no url(), no var(), no fixed or absolute position.
 */
const PROPERTIES = new Set([
  "height", "width", "min-width", "top", "bottom", "left", "vertical-align", "margin", "margin-left",
  "margin-right", "margin-top", "padding-left", "border", "border-width", "border-style", "border-color",
  "border-top-width", "border-bottom-width", "border-right-width", "border-right-style", "color",
  "background-color", "position",
]);

/** Longest length kept, in em: KaTeX's own offsets stay well inside it (maxSize is 20). */
const MAX_EM = 100;

const LENGTH = /^(-?(?:\d+\.?\d*|\.\d+))(em|ex|px|%)?$/;
const COLOR = /^(?:#[0-9a-f]{3,8}|[a-z]+)$/i;
const KEYWORDS = new Set(["solid", "dashed", "dotted", "relative"]);

function safeToken(token: string, property: string): boolean {
  const length = LENGTH.exec(token);
  if (length) return Math.abs(Number(length[1])) <= (length[2] === "px" ? MAX_EM * 16 : MAX_EM);
  if (property === "position") return token === "relative";
  return KEYWORDS.has(token) || (COLOR.test(token) && !/^(?:fixed|absolute|sticky|inherit|initial|unset|revert)$/i.test(token));
}

/** The declarations of `style` that are safe to keep, joined; "" when none is. */
export function safeMathStyle(style: string): string {
  const kept: string[] = [];
  for (const declaration of style.split(";")) {
    const colon = declaration.indexOf(":");
    if (colon < 0) continue;
    const property = declaration.slice(0, colon).trim().toLowerCase();
    const value = declaration.slice(colon + 1).trim();
    if (!PROPERTIES.has(property) || value === "") continue;
    if (value.split(/\s+/).every((t) => safeToken(t, property))) kept.push(`${property}:${value}`);
  }
  return kept.join(";");
}
