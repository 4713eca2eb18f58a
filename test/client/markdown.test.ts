import { describe, expect, test } from "bun:test";
import { Lexer, type Token } from "marked";
import { createBlockSplitter } from "../../client/markdown/blocks.ts";
import { healBlock } from "../../client/markdown/heal.ts";
import { highlight, languageReady, loadHighlighter, prepareLanguage } from "../../client/markdown/highlight.ts";
import { highlightInPieces } from "../../client/markdown/long-fence.ts";
import { MARKED_OPTIONS, markdownToHtml, tokensToHtml } from "../../client/markdown/render.ts";

// The html here is the renderer's output BEFORE sanitising; what survives the sanitiser is tested in a real
// browser (test/e2e/markdown.test.ts): DOMPurify under happy-dom 21 silently keeps event handlers.

/** Feeds `text` to a splitter in pieces of `step` characters, as a stream would, and collects the blocks. */
function stream(text: string, step: number) {
  const splitter = createBlockSplitter(MARKED_OPTIONS);
  const finished: Token[][] = [];
  const opens: string[] = [];
  let lexed = 0;
  for (let end = step; end < text.length + step; end += step) {
    const part = text.slice(0, Math.min(end, text.length));
    const update = splitter.next(part, false);
    expect(update.reset).toBe(false);
    finished.push(...update.finished);
    opens.push(update.open);
    lexed += update.open.length;
  }
  const last = splitter.next(text, true);
  finished.push(...last.finished);
  expect(last.open).toBe("");
  return { finished, opens, lexed };
}

const ANSWER = [
  "# Streaming",
  "",
  "Some **bold** text and a [link](https://example.com).",
  "",
  "- one",
  "- two",
  "",
  "2. not joined",
  "",
  "```ts",
  "const x: number = 1;",
  "```",
  "",
  "| a | b |",
  "|---|---|",
  "| 1 | 2 |",
  "",
  "The end.",
].join("\n");

describe("rendering", () => {
  test("GFM tables become table markup with alignment attributes, not styles", () => {
    const html = markdownToHtml("| left | mid | right |\n|:--|:-:|--:|\n| 1 | 2 | 3 |");
    expect(html).toContain("<table>");
    expect(html).toContain('<th align="center">mid</th>');
    expect(html).toContain('<td align="right">3</td>');
    expect(html).not.toContain("style=");
  });

  test("fenced code without the highlighter loaded is escaped text with its language as a class", () => {
    const html = markdownToHtml("```HTML\n<b onclick=x>&</b>\n```");
    expect(html).toBe('<pre><code class="hljs language-html">&lt;b onclick=x&gt;&amp;&lt;/b&gt;</code></pre>');
  });

  test("a fence's info string cannot break out of the class attribute", () => {
    const html = markdownToHtml('```js"><img src=x onerror=alert(1)>\nx\n```');
    expect(html).toBe('<pre><code class="hljs language-jsimg">x</code></pre>');
  });

  test("a language is coloured once its grammar is compiled (off the rendering path); until then its code is plain", async () => {
    await loadHighlighter();
    expect(languageReady("go")).toBe(false);
    expect(markdownToHtml("```go\nfunc main() {}\n```")).toBe('<pre><code class="hljs language-go">func main() {}</code></pre>');
    await prepareLanguage("go", "func main() {}");
    expect(languageReady("go")).toBe(true);
    expect(languageReady("cobol")).toBe(true); // unknown: nothing to wait for
    expect(markdownToHtml("```go\nfunc main() {}\n```")).toContain('<span class="hljs-');
  });

  test("with the highlighter loaded, the listed languages are coloured and unknown ones stay plain", async () => {
    await loadHighlighter();
    const samples: Record<string, string> = {
      js: 'const a = "x";',
      ts: "let n: number = 1;",
      python: "def f():\n    return 1",
      py: "import os",
      bash: 'echo "$HOME"',
      sh: "export A=1",
      json: '{"a": 1}',
      html: '<a href="x">1</a>',
      xml: "<root/>",
      css: "a { color: red; }",
      go: "func main() {}",
      rust: "fn main() {}",
      sql: "SELECT 1 FROM t;",
    };
    for (const [lang, code] of Object.entries(samples)) {
      await prepareLanguage(lang, code);
      expect({ lang, html: markdownToHtml(`\`\`\`${lang}\n${code}\n\`\`\``) }).toEqual({ lang, html: expect.stringContaining('<span class="hljs-') });
    }
    expect(markdownToHtml("```cobol\nMOVE A TO B\n```")).not.toContain("<span");
  });
});

describe("long code blocks coloured in pieces", () => {
  test("the pieces, joined, are the block highlighted in one go, even with comments and strings across piece ends", async () => {
    await prepareLanguage("ts", "const a = 1;");
    const lines = Array.from({ length: 130 }, (_, i) => `  const v${i} = await store.get("k-${i}"); // line ${i}`);
    // A block comment and a template string that each span a piece boundary (every 40 lines).
    lines.splice(38, 0, "  /* a comment", "     across the cut */");
    lines.splice(79, 0, "  const t = `a template", "  across the cut ${x} too`;");
    const code = `async function migrate(store: Store) {\n${lines.join("\n")}\n}`;
    const pieces = [...highlightInPieces(code, "ts", 40)];
    expect(pieces.length).toBeGreaterThan(2);
    expect(pieces.join("")).toBe(highlight(code, "ts")!);
    for (const piece of pieces) expect(piece!.split("<span").length).toBe(piece!.split("</span>").length);
  });

  test("a language that is not ready gives no pieces to show", () => {
    expect([...highlightInPieces("x := 1", "go-not-a-language", 40)]).toEqual([undefined]);
  });
});

describe("half-written markdown", () => {
  test("unclosed emphasis, code and strikethrough render as they will end", () => {
    expect(markdownToHtml("This is **bol", { open: true })).toBe("<p>This is <strong>bol</strong></p>");
    expect(markdownToHtml("run `npm i", { open: true })).toBe("<p>run <code>npm i</code></p>");
    expect(markdownToHtml("~~old", { open: true })).toBe("<p><del>old</del></p>");
    expect(markdownToHtml("- item *it", { open: true })).toBe("<ul>\n<li>item <em>it</em></li>\n</ul>");
  });

  test("a link whose URL is still arriving shows only its text", () => {
    expect(markdownToHtml("see [the docs](https://exa", { open: true })).toBe("<p>see the docs</p>");
  });

  test("an open code fence renders as code, and a half-typed closing fence does not flash inside it", () => {
    expect(markdownToHtml("```py\nprint(1)", { open: true })).toContain('<code class="hljs language-py">');
    expect(healBlock("```py\nprint(1)\n``")).toBe("```py\nprint(1)\n");
    expect(healBlock("```py\nprint(1)\n```")).toBe("```py\nprint(1)\n```");
    expect(markdownToHtml("```py\nprint(1)\n`", { open: true })).not.toContain("`");
  });

  test("a table shows its head as soon as the header row is there, and never raw pipes", () => {
    for (const partial of ["| a | b |", "| a | b", "| a | b |\n|-", "| a | b |\n| --- | -", "| a | b |\n|---|---|"]) {
      const html = markdownToHtml(partial, { open: true });
      expect(html).toStartWith("<table>");
      expect(html).toContain("<th>a</th>");
      expect(html).not.toContain("|");
    }
    const rows = markdownToHtml("| a | b |\n|---|---|\n| 1 | 2", { open: true });
    expect(rows).toContain("<td>1</td>");
    expect(rows).toContain("<td>2</td>");
  });

  test("raw markers never appear in any prefix of a real answer", () => {
    const splitter = createBlockSplitter(MARKED_OPTIONS);
    const shown: string[] = [];
    for (let end = 1; end <= ANSWER.length; end++) {
      const update = splitter.next(ANSWER.slice(0, end), false);
      shown.push(...update.finished.map(tokensToHtml));
      const html = [...shown, markdownToHtml(update.open, { open: true, links: update.links })].join("");
      const text = html.replace(/<code[^>]*>[^]*?<\/code>/g, "").replace(/<[^>]+>/g, "");
      expect({ end, stars: text.includes("**") }).toEqual({ end, stars: false });
      expect({ end, pipes: text.includes("|") }).toEqual({ end, pipes: false });
      expect({ end, fence: text.includes("`") }).toEqual({ end, fence: false });
    }
  });
});

describe("incremental rendering", () => {
  test("streamed in any step size, the finished blocks render exactly like the whole text", () => {
    const whole = Lexer.lex(ANSWER, MARKED_OPTIONS).filter((t) => t.type !== "space").map((t) => tokensToHtml([t]));
    expect(whole.length).toBe(7);
    for (const step of [1, 2, 3, 7, 16, 64]) {
      const { finished } = stream(ANSWER, step);
      expect(finished.map(tokensToHtml)).toEqual(whole);
    }
  });

  test("a list stays open while the next line may still join it", () => {
    const splitter = createBlockSplitter(MARKED_OPTIONS);
    expect(splitter.next("1. a\n\n2", false).finished).toEqual([]);
    expect(splitter.next("1. a\n\n2. b\n\nDone", false).finished).toEqual([]);
    const later = splitter.next("1. a\n\n2. b\n\nDone.\n\nNext", false);
    expect(later.finished.map(tokensToHtml)).toEqual(["<ol>\n<li><p>a</p>\n</li>\n<li><p>b</p>\n</li>\n</ol>", "<p>Done.</p>"]);
  });

  test("each update lexes only the open block, not the whole answer", () => {
    const long = Array.from({ length: 200 }, (_, i) => `Paragraph ${i} has a few words in it.`).join("\n\n");
    const { finished, lexed } = stream(long, 5);
    expect(finished.length).toBe(200);
    // Quadratic work would lex about long.length² / 10 ≈ 30 million characters; this stays near linear.
    expect(lexed).toBeLessThan(long.length * 10);
  });

  test("reference links defined in an earlier block still resolve in later ones", () => {
    const splitter = createBlockSplitter(MARKED_OPTIONS);
    const first = splitter.next("[docs]: https://example.com/docs\n\nSee [docs].\n\nMore", false);
    expect(first.finished.map(tokensToHtml)).toEqual(['<p>See <a href="https://example.com/docs">docs</a>.</p>']);
    expect(markdownToHtml("Also [docs]", { open: true, links: first.links })).toContain('href="https://example.com/docs"');
  });

  test("a text that no longer starts with what was rendered starts over", () => {
    const splitter = createBlockSplitter(MARKED_OPTIONS);
    splitter.next("First answer.\n\nMore", false);
    const update = splitter.next("Other", false);
    expect(update.reset).toBe(true);
    expect(update.open).toBe("Other");
  });

  test("CR LF text still renders completely, finished at the end", () => {
    const splitter = createBlockSplitter(MARKED_OPTIONS);
    expect(splitter.next("a\r\n\r\nb\r\n\r\nc", false).finished).toEqual([]);
    expect(splitter.next("a\r\n\r\nb\r\n\r\nc", true).finished.map(tokensToHtml)).toEqual(["<p>a</p>", "<p>b</p>", "<p>c</p>"]);
  });
});
