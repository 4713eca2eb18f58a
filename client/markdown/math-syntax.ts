import type { TokenizerAndRendererExtension, Tokens } from "marked";
import { mathToHtml } from "./math.ts";

/** A formula found in the markdown: its TeX source, and whether it is display (a block of its own). */
export interface MathToken extends Tokens.Generic {
  type: "math";
  text: string;
  display: boolean;
}

/** `$$…$$` or `\[…\]` alone on its lines: display math as a block. */
const BLOCK = /^ {0,3}(?:\$\$([\s\S]+?)\$\$|\\\[([\s\S]+?)\\\])[ \t]*(?:\n+|$)/;

/**
 * Inline: `$$…$$` and `\[…\]` (display inside a paragraph), `\(…\)`, and `$…$` by pandoc's rule: the
 * opening `$` has a non-space right after it, the closing one a non-space right before it and no digit
 * after it, so `$5 and $10` stays text. No formula spans a blank line.
 */
const INLINE = [
  { re: /^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/, display: true },
  { re: /^\\\[([\s\S]+?)\\\]/, display: true },
  { re: /^\\\(([\s\S]+?)\\\)/, display: false },
  { re: /^\$(?![\s$])((?:\\[\s\S]|[^\\$\n]|\n(?!\s*\n))+?)(?<![\s\\])\$(?!\d)/, display: false },
];

const START = /\$|\\[([]/;

/** Every inline formula, for masking: emphasis never pairs a `_` or `*` inside one with one outside. */
const ANY_INLINE = new RegExp(INLINE.map(({ re }) => re.source.slice(1)).join("|"), "g");

/** marked's emStrongMask hook: formulas become letters of the same length before emphasis is matched. */
export function maskMath(src: string): string {
  return src.includes("$") || src.includes("\\") ? src.replace(ANY_INLINE, (m) => "a".repeat(m.length)) : src;
}

function token(raw: string, source: string, display: boolean): MathToken | undefined {
  const text = source.trim();
  return text === "" || /\n\s*\n/.test(source) ? undefined : { type: "math", raw, text, display };
}

/** marked extensions for TeX math; rendered by KaTeX when it has loaded (see ./math.ts). */
export const mathExtensions: TokenizerAndRendererExtension[] = [
  {
    name: "mathBlock",
    level: "block",
    start: (src) => src.match(/^ {0,3}(?:\$\$|\\\[)/m)?.index,
    tokenizer(src) {
      const m = BLOCK.exec(src);
      return m ? token(m[0], m[1] ?? m[2]!, true) : undefined;
    },
  },
  {
    name: "mathInline",
    level: "inline",
    start: (src) => src.match(START)?.index,
    tokenizer(src) {
      for (const { re, display } of INLINE) {
        const m = re.exec(src);
        if (m) return token(m[0], m[1]!, display);
      }
      return undefined;
    },
  },
  {
    name: "math",
    renderer: (t) => mathToHtml((t as MathToken).text, (t as MathToken).display),
  },
];
