import { describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";
import { type FakeOpenAI, directive } from "../support/fake-openai.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
let browser: Browser;

/** Screenshots for a person to look at; outside the repository. */
const SHOTS = process.env.CHAT_SHOTS ?? "/tmp";

const ANSWER = [
  "Euler's identity is $e^{i\\pi} + 1 = 0$, and it costs $5 and $10 to print.",
  "",
  "$$",
  "\\int_0^1 x^2\\,dx = \\frac{1}{3}, \\qquad \\sqrt{a^2 + b^2} \\le \\left(\\sum_{i=1}^{n} x_i\\right)",
  "$$",
  "",
  "Inline \\(\\overrightarrow{AB}\\) and a broken one: $\\frac{a}{$ stays source.",
  "",
  "In code it stays text: `$x^2$`.",
].join("\n");

describe.skipIf(!hasChromium)("math in a real browser (compiled binary)", () => {
  useBrowserSuite("chat-e2e-math-", (s) => ({ fake, chat, browser } = s));

  const answer = (page: Page) => page.locator('[data-role="assistant"]').last();
  const done = (page: Page) => page.locator('[data-role="assistant"]:last-child[data-status="done"]').waitFor({ timeout: 15_000 });

  async function ask(page: Page, text: string) {
    await page.getByRole("textbox", { name: "Message" }).fill(text);
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
  }

  test("formulas render with KaTeX and its fonts from our origin; prices and code stay text; no error box mid-stream", async () => {
    const { context, page, foreign, problems } = await openPage(browser, chat.url, { viewport: { width: 1000, height: 800 } });
    const failed: string[] = [];
    page.on("response", (r) => {
      if (r.status() >= 400) failed.push(`${r.status()} ${r.url()}`);
    });
    // Record whether an error mark ever shows while the answer streams: only the broken formula may, once closed.
    await page.evaluate(() => {
      const w = window as unknown as { errorsSeen: string[] };
      w.errorsSeen = [];
      new MutationObserver(() => {
        for (const e of document.querySelectorAll('[data-role="assistant"] .katex-error')) w.errorsSeen.push(e.textContent ?? "");
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await ask(page, `Some math ${directive({ text: ANSWER, delay: 8 })}`);
    await done(page);
    const a = answer(page);
    await a.locator(".katex").first().waitFor({ timeout: 10_000 });

    expect(await a.locator(".katex").count()).toBe(3);
    expect(await a.locator(".katex-display").count()).toBe(1);
    const text = (await a.locator("[data-text]").first().textContent()) ?? "";
    expect(text).toContain("it costs $5 and $10 to print");
    expect(await a.locator("code").filter({ hasText: "$x^2$" }).count()).toBe(1);
    // The broken formula shows its source, in the text's colour.
    const error = a.locator(".katex-error");
    expect(await error.count()).toBe(1);
    expect(await error.textContent()).toBe("\\frac{a}{");
    expect(await error.evaluate((e) => getComputedStyle(e).color)).toBe(await a.locator("p").first().evaluate((p) => getComputedStyle(p).color));
    const seen = await page.evaluate(() => (window as unknown as { errorsSeen: string[] }).errorsSeen);
    expect(seen.every((s) => s === "\\frac{a}{")).toBe(true);

    // KaTeX's layout is applied under the CSP: its stylesheet (a constructed one) and its inline sizes.
    expect(await a.locator(".katex-mathml").first().evaluate((e) => getComputedStyle(e).position)).toBe("absolute");
    const sized = await a.locator(".katex-html [style*='height']").first().evaluate((e) => ({ declared: (e as HTMLElement).style.height, used: getComputedStyle(e).height }));
    expect(sized.declared).toMatch(/em$/);
    expect(sized.used).not.toBe("auto");
    expect(sized.used).not.toBe("0px");
    // Its fonts came from the binary.
    await page.evaluate(() => document.fonts.ready);
    expect(await page.evaluate(() => document.fonts.check("16px KaTeX_Main") && document.fonts.check("italic 16px KaTeX_Math"))).toBe(true);
    const loaded = await page.evaluate(() => [...document.fonts].filter((f) => f.family.startsWith("KaTeX") && f.status === "loaded").map((f) => f.family));
    expect(loaded).toContain("KaTeX_Main");

    await a.screenshot({ path: `${SHOTS}/math-answer.png` });
    await context.close();
    expect(failed).toEqual([]);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  test("hostile TeX and html around formulas run nothing, link nowhere and keep no svg or math of their own", async () => {
    const { context, page, foreign, problems } = await openPage(browser, chat.url);
    const dialogs: string[] = [];
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    const hostile = [
      "$\\href{javascript:alert(1)}{click}$ and $\\url{javascript:alert(2)}$",
      "$\\htmlClass{visually-hidden}{x}$ $\\htmlStyle{position:fixed;inset:0}{y}$ $\\htmlData{foo=bar}{z}$",
      "$\\includegraphics{https://evil.example/a.png}$",
      '<svg onload=alert(3)><path d="M0"/></svg> <math><mi>x</mi></math>',
      '<span class="katex" style="position:fixed;inset:0;background:red">overlay</span>',
      "$x$ <span data-math=guess><svg><script>alert(4)</script></svg></span>",
    ].join("\n\n");
    await ask(page, `Be nasty ${directive({ text: hostile, delay: 1 })}`);
    await done(page);
    const rendered = answer(page).locator("[data-markdown]");
    await rendered.locator(".katex").first().waitFor({ timeout: 10_000 });
    await Bun.sleep(300);
    expect(dialogs).toEqual([]);
    expect(await rendered.locator("a").count()).toBe(0);
    expect(await rendered.locator("img, script, iframe").count()).toBe(0);
    // svg/math only inside KaTeX's own output.
    expect(await rendered.locator("svg, math").evaluateAll((els) => els.filter((e) => !e.closest(".katex")).length)).toBe(0);
    expect(await rendered.locator(".visually-hidden, [data-math]").count()).toBe(0);
    expect(await rendered.locator("[style*='fixed']").count()).toBe(0);
    expect(await rendered.locator("span", { hasText: "overlay" }).evaluate((e) => getComputedStyle(e).position)).toBe("static");
    await context.close();
    expect(foreign).toEqual([]);
    // DOMPurify's inert parse inherits the CSP: Chromium reports the hostile inline handlers and styles there.
    expect(problems.filter((p) => !/^(Executing inline event handler|Applying inline style) violates/.test(p))).toEqual([]);
  }, 60_000);
});
