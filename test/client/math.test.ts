import { describe, expect, test } from "bun:test";
import { createBlockSplitter } from "../../client/markdown/blocks.ts";
import { safeMathStyle } from "../../client/markdown/math-style.ts";
import { katexClasses, loadMath, mathReady } from "../../client/markdown/math.ts";
import { MARKED_OPTIONS, markdownToHtml } from "../../client/markdown/render.ts";

// The html here is the renderer's output BEFORE sanitising; what survives the sanitiser (KaTeX's spans,
// SVG and MathML; hostile \href and raw html) is tested in Chromium: test/e2e/math.test.ts.

/** The TeX sources the renderer found, in order, whether pending or rendered (KaTeX keeps its annotation). */
function formulas(html: string): string[] {
  return [...html.matchAll(/<span class="math-pending">([^<]*)<\/span>|<annotation encoding="application\/x-tex">([^<]*)<\/annotation>/g)].map(
    (m) => m[1] ?? m[2]!,
  );
}

describe("finding math in markdown", () => {
  test("before KaTeX has loaded, a formula shows as its source, marked pending, and the load starts", () => {
    expect(mathReady()).toBe(false);
    const html = markdownToHtml("Euler: $e^{i\\pi} + 1 = 0$.");
    expect(html).toBe('<p>Euler: <span class="math-pending">$e^{i\\pi} + 1 = 0$</span>.</p>');
  });

  test("every delimiter: $$…$$ and \\[…\\] display, \\(…\\) and $…$ inline", async () => {
    await loadMath();
    const html = markdownToHtml("$$\nx^2\n$$\n\nand \\[y\\] then \\(z_1\\) and $w$ and $$v$$.\n\n\\[\n\\frac{a}{b}\n\\]");
    expect(formulas(html)).toEqual(["x^2", "y", "z_1", "w", "v", "\\frac{a}{b}"]);
    expect(html.match(/class="katex-display"/g)?.length).toBe(4);
  });

  test("prices stay text: $5 and $10, and a dollar before a digit never closes", async () => {
    await loadMath();
    for (const text of ["It costs $5 and $10.", "Between $5 and $10 each", "pay $ 5 now$", "$x $ y", "US$3, or $4."]) {
      expect({ text, html: markdownToHtml(text) }).toEqual({ text, html: expect.not.stringContaining("katex") });
    }
    expect(markdownToHtml("\\$x\\$")).toBe("<p>$x$</p>");
  });

  test("math inside code spans and fenced code stays code", async () => {
    await loadMath();
    expect(markdownToHtml("use `$x$` here")).toBe("<p>use <code>$x$</code> here</p>");
    expect(markdownToHtml("```tex\n$$x^2$$\n```")).not.toContain("katex");
    expect(markdownToHtml("    $$x$$")).not.toContain("katex");
  });

  test("an underscore inside a formula never pairs with one outside it", async () => {
    await loadMath();
    expect(formulas(markdownToHtml("_a $x_1$ b_"))).toEqual(["x_1"]);
    expect(formulas(markdownToHtml("$a_1$ and $b_2$"))).toEqual(["a_1", "b_2"]);
  });

  test("half-streamed math is text until it closes, never an error", async () => {
    await loadMath();
    for (const open of ["The sum $\\sum_{i=1}^", "$$\n\\frac{a}{", "so \\(x^", "\\[\n\\int"]) {
      const html = markdownToHtml(open, { open: true });
      expect({ open, html }).toEqual({ open, html: expect.not.stringMatching(/katex/) });
    }
  });

  test("a display formula arriving line by line is one block once it closes", async () => {
    await loadMath();
    const splitter = createBlockSplitter(MARKED_OPTIONS);
    const text = "Before.\n\n$$\na^2 + b^2\n= c^2\n$$\n\nAfter.";
    let finished = 0;
    for (let end = 1; end <= text.length; end++) finished += splitter.next(text.slice(0, end), false).finished.length;
    finished += splitter.next(text, true).finished.length;
    expect(finished).toBe(3);
  });

  test("an invalid formula shows its source in the text's colour, not a thrown error", async () => {
    await loadMath();
    const html = markdownToHtml("bad: $\\frac{a}{$ and $\\notacommand{x}$");
    expect(html).toContain('class="katex-error"');
    expect(html).toContain("\\notacommand{x}");
    expect(html).toContain("color:currentColor");
  });

  test("untrusted commands (\\href, \\url, \\htmlClass, \\includegraphics) render as errors, never as links or classes", async () => {
    await loadMath();
    const html = markdownToHtml(
      "$\\href{javascript:alert(1)}{x}$ $\\url{https://evil.example}$ $\\htmlClass{evil}{y}$ $\\htmlStyle{position:fixed}{z}$ $\\includegraphics{https://evil.example/a.png}$",
    );
    expect(html).not.toContain("<a ");
    expect(html).not.toContain('href="javascript');
    expect(html).not.toContain("<img");
    expect(html).not.toContain('class="evil');
    expect(html).not.toContain('style="position:fixed');
  });

  test("the sanitiser will keep KaTeX's classes once it has loaded: the ones its stylesheet styles", async () => {
    await loadMath();
    const classes = katexClasses();
    for (const c of ["katex", "katex-display", "katex-html", "katex-mathml", "vlist-t", "mfrac", "frac-line", "sqrt", "katex-error"]) {
      expect({ c, kept: classes.has(c) }).toEqual({ c, kept: true });
    }
    expect(classes.has("visually-hidden")).toBe(false);
  });
});

describe("KaTeX's inline styles through the sanitiser's filter", () => {
  test("its sizes, offsets, borders and colours are kept", () => {
    expect(safeMathStyle("height:0.6833em;vertical-align:-0.25em;")).toBe("height:0.6833em;vertical-align:-0.25em");
    expect(safeMathStyle("top:-2.655em;margin-right:0.05em")).toBe("top:-2.655em;margin-right:0.05em");
    expect(safeMathStyle("border: 0.04em solid red;background-color:#fff;position:relative")).toBe(
      "border:0.04em solid red;background-color:#fff;position:relative",
    );
  });

  test("anything that could load, run, overlay or escape the answer is dropped", () => {
    expect(safeMathStyle("background:url(https://evil.example/x.png)")).toBe("");
    expect(safeMathStyle("background-color:url(https://evil.example/x.png)")).toBe("");
    expect(safeMathStyle("position:fixed;top:0;left:0")).toBe("top:0;left:0");
    expect(safeMathStyle("position:absolute")).toBe("");
    expect(safeMathStyle("top:-5000em")).toBe("");
    expect(safeMathStyle("color:var(--x)")).toBe("");
    expect(safeMathStyle("color:expression(alert(1))")).toBe("");
    expect(safeMathStyle("height:1em;z-index:9999;width:100vw")).toBe("height:1em");
  });
});
