import { describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";
import { type FakeOpenAI, directive } from "../support/fake-openai.ts";
import { longAnswer, longFence } from "../support/long-answer.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
let browser: Browser;

/** `read()` once it satisfies `ok`, or its last value after `ms`. */
async function settled<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const until = performance.now() + ms;
  let v = await read();
  while (!ok(v) && performance.now() < until) {
    await Bun.sleep(50);
    v = await read();
  }
  return v;
}

/** The body of the first code fence in `markdown`, as a code block shows it. */
const fenceBody = (markdown: string) => /```\w*\n([\s\S]*?)\n```/.exec(markdown)![1]!;

describe.skipIf(!hasChromium)("a long answer in a real browser (compiled binary)", () => {
  useBrowserSuite("chat-e2e-long-", (s) => ({ fake, chat, browser } = s));

  async function send(page: Page, text: string) {
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill(text);
    await box.press("Enter");
  }
  const markdown = (page: Page) => page.locator('[data-role="assistant"] [data-markdown]');

  test("an answer streamed faster than the page can draw still ends fully rendered, every block once", async () => {
    const answer = longAnswer(4000);
    const { context, page, foreign, problems } = await openPage(browser, chat.url);
    await send(page, `The guide ${directive({ text: answer })}`);
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 20_000 });
    const fences = (answer.match(/^```\w/gm) ?? []).length;
    const headings = (answer.match(/^#{1,2} /gm) ?? []).length;
    // A backlog is drawn a few blocks a frame, so the last ones may land just after the answer ends.
    expect(await settled(() => markdown(page).locator("pre > code").count(), (n) => n === fences)).toBe(fences);
    expect(await markdown(page).locator("h1, h2").count()).toBe(headings);
    expect(await markdown(page).locator("table").count()).toBe((answer.match(/^\| --- /gm) ?? []).length);
    const text = (await markdown(page).textContent()) ?? "";
    expect(text.trimEnd().endsWith("the last paragraph of a long answer.")).toBe(true);
    expect(text).not.toContain("```");
    // Colour comes in idle time, once the language's grammar is compiled.
    const keywords = () => page.locator('[data-role="assistant"] pre code .hljs-keyword').count();
    expect(await settled(keywords, (n) => n > fences)).toBeGreaterThan(fences);
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);

  test("a long code fence shows exactly the code so far while it streams, and is highlighted once closed", async () => {
    const answer = longFence();
    const body = fenceBody(answer);
    const { context, page, problems } = await openPage(browser, chat.url);
    await send(page, `The script ${directive({ text: answer, delay: 1 })}`);
    const code = markdown(page).locator("pre > code");
    const seen: number[] = [];
    for (let i = 0; i < 40 && (await page.locator('[data-role="assistant"][data-status="streaming"]').count()) > 0; i++) {
      const shown = (await code.first().textContent().catch(() => null)) ?? "";
      // Never a line twice, never a half-typed closing fence: always a prefix of the real code.
      expect(body.startsWith(shown.replace(/\n$/, ""))).toBe(true);
      seen.push(shown.length);
      await page.waitForTimeout(100);
    }
    expect(seen.filter((n) => n > 4096).length).toBeGreaterThan(0);
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 30_000 });
    expect(await settled(() => code.first().locator(".hljs-keyword").count(), (n) => n > 100)).toBeGreaterThan(100);
    expect(await code.count()).toBe(1);
    expect(await code.first().textContent()).toBe(body);
    await context.close();
    expect(problems).toEqual([]);
  }, 60_000);
});
