import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { SHOTS, hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";
import { type FakeOpenAI, directive, fakeText } from "../support/fake-openai.ts";

const shots = SHOTS;

const SAMPLE_ANSWER = [
  "Use a **Server-Sent Events** stream: one ordinary request whose body arrives token by token.",
  "",
  "- The server relays each delta as a `data:` line.",
  "- The page appends it to the answer as it lands.",
  "",
  "Stopping is a `DELETE` on the answer, so the model stops too.",
].join("\n");

let fake: FakeOpenAI;
let chat: ChatServer;
let browser: Browser;

describe.skipIf(!hasChromium)("answer actions, shortcuts and settings in a real browser (compiled binary)", () => {
  useBrowserSuite("chat-e2e-actions-", (s) => ({ fake, chat, browser } = s), { CHAT_MODELS: "gpt-fake,gpt-fake-large" });

  /** A fresh browser profile on the page, once the message box is there; every request must stay on our origin. */
  const open = (options: Parameters<Browser["newContext"]>[0] = {}) =>
    openPage(browser, chat.url, { viewport: { width: 1000, height: 760 }, ...options });

  const box = (page: Page) => page.getByRole("textbox", { name: "Message" });
  const answers = (page: Page) => page.locator('[data-role="assistant"]');
  const questions = (page: Page) => page.locator('[data-role="user"] [data-text]');
  const lastAnswerText = (page: Page) => answers(page).last().locator("[data-text]").textContent();
  /** The last answer's drawn text becomes `text` (the view draws once a frame, so it may lag the status). */
  async function answerTextIs(page: Page, text: string, timeoutMs = 5_000) {
    const until = performance.now() + timeoutMs;
    while ((await lastAnswerText(page)) !== text && performance.now() < until) await Bun.sleep(25);
    expect(await lastAnswerText(page)).toBe(text);
  }
  const lastBody = () => fake.bodies.at(-1) as { model: string; temperature?: number; max_tokens?: number; messages: unknown[] };

  async function answerEnds(page: Page, status: string, timeout = 10_000) {
    await page.locator(`[data-role="assistant"]:last-child[data-status="${status}"]`).waitFor({ timeout });
  }

  async function ask(page: Page, text: string, status = "done") {
    await box(page).fill(text);
    await box(page).press("Enter");
    await answerEnds(page, status);
  }

  async function closeAll(context: BrowserContext, foreign: string[], problems: string[]) {
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }

  test("a finished answer shows its tokens and tokens per second; one cut by the token limit says so", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `Count ${directive({ tokens: 20, delay: 20 })}`);
    const usage = answers(page).last().locator("[data-usage]");
    const line = (await usage.textContent()) ?? "";
    const m = /^20 tokens · ([\d.]+) tokens\/s$/.exec(line);
    expect(m).not.toBeNull();
    // 20 tokens, 20 ms apart: about 50 a second, give or take a slow machine.
    expect(Number(m![1])).toBeGreaterThan(5);
    expect(Number(m![1])).toBeLessThan(200);
    expect(await answers(page).last().getByText("reached the token limit").count()).toBe(0);

    await ask(page, `Cut short ${directive({ tokens: 5, finish: "length" })}`);
    const cut = answers(page).last().getByText("Stopped: reached the token limit");
    expect(await cut.isVisible()).toBe(true);
    expect(await answers(page).last().locator("[data-usage]").textContent()).toStartWith("5 tokens");
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("Esc stops a streaming answer and cancels the upstream request within a second", async () => {
    const { context, page, foreign, problems } = await open();
    await box(page).fill(`Long ${directive({ tokens: 300, delay: 30 })}`);
    await box(page).press("Enter");
    await page.waitForFunction(() => (document.querySelector('[data-role="assistant"] [data-text]')?.textContent ?? "").length > 20);
    const cancelled = fake.stats.cancelled;
    await page.keyboard.press("Escape");
    const started = performance.now();
    await fake.waitForCancelled(cancelled + 1, 1000);
    expect(performance.now() - started).toBeLessThan(1000);
    await answerEnds(page, "stopped");
    expect(((await lastAnswerText(page)) ?? "").length).toBeGreaterThan(20);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("Regenerate re-sends the conversation up to the last question and shows the new answer in place of the last", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `First ${directive({ tokens: 3 })}`);
    // Only the last answer offers Regenerate.
    await ask(page, `Second ${directive({ tokens: 4, delay: 5 })}`);
    expect(await page.getByRole("button", { name: "Regenerate" }).count()).toBe(1);
    const requests = fake.stats.requests;
    const oldAnswer = await answers(page).last().elementHandle();

    await page.getByRole("button", { name: "Regenerate" }).click();
    await answerEnds(page, "done");
    expect(fake.stats.requests).toBe(requests + 1);
    expect(lastBody().messages).toEqual([
      { role: "user", content: `First ${directive({ tokens: 3 })}` },
      { role: "assistant", content: fakeText({ tokens: 3 }) },
      { role: "user", content: `Second ${directive({ tokens: 4, delay: 5 })}` },
    ]);
    expect(await answers(page).count()).toBe(2);
    expect(await oldAnswer!.evaluate((e) => e.isConnected)).toBe(false); // a new answer, not the old one
    await answerTextIs(page, fakeText({ tokens: 4 }));
    // The answer it replaced is the previous version.
    const switcher = answers(page).last().getByRole("group", { name: "Version 2 of 2" });
    expect(await switcher.textContent()).toContain("2/2");
    await switcher.getByRole("button", { name: "Previous version" }).click();
    await answers(page).last().getByRole("group", { name: "Version 1 of 2" }).waitFor();
    expect(await answers(page).count()).toBe(2);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("editing a question re-runs the conversation from it; the old question and what followed stay as the previous version", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `Original ${directive({ tokens: 3 })}`);
    await ask(page, `Follow-up ${directive({ tokens: 4 })}`);

    await page.locator('[data-role="user"]').first().hover();
    await page.getByRole("button", { name: "Edit message" }).first().click();
    const editor = page.getByRole("textbox", { name: "Edit message" });
    expect(await editor.inputValue()).toBe(`Original ${directive({ tokens: 3 })}`);
    expect(await editor.evaluate((e) => document.activeElement === e)).toBe(true);
    await editor.fill(`Edited ${directive({ tokens: 6 })}`);
    await editor.press("Enter");
    await answerEnds(page, "done");

    expect(lastBody().messages).toEqual([{ role: "user", content: `Edited ${directive({ tokens: 6 })}` }]);
    expect(await questions(page).allTextContents()).toEqual([`Edited ${directive({ tokens: 6 })}`]);
    expect(await answers(page).count()).toBe(1);
    await answerTextIs(page, fakeText({ tokens: 6 }));

    // Esc cancels an edit without sending.
    const requests = fake.stats.requests;
    await page.locator('[data-role="user"]').first().hover();
    await page.getByRole("button", { name: "Edit message" }).click();
    await editor.fill("never sent");
    await editor.press("Escape");
    expect(await editor.isVisible()).toBe(false);
    expect(await questions(page).allTextContents()).toEqual([`Edited ${directive({ tokens: 6 })}`]);
    expect(fake.stats.requests).toBe(requests);

    // ‹ shows the question as it was, with the answers that followed it.
    const first = page.locator('[data-role="user"]').first();
    expect(await first.getByRole("group").getAttribute("aria-label")).toBe("Version 2 of 2");
    await first.getByRole("button", { name: "Previous version" }).click();
    expect(await questions(page).allTextContents()).toEqual([`Original ${directive({ tokens: 3 })}`, `Follow-up ${directive({ tokens: 4 })}`]);
    expect(await answers(page).allTextContents()).toEqual([expect.stringContaining(fakeText({ tokens: 3 })), expect.stringContaining(fakeText({ tokens: 4 }))]);
    await page.screenshot({ path: join(shots, "versions.png") });

    // Both versions, and which one is on screen, survive a reload; › is reachable by keyboard.
    await page.reload();
    await answerEnds(page, "done");
    expect(await questions(page).allTextContents()).toEqual([`Original ${directive({ tokens: 3 })}`, `Follow-up ${directive({ tokens: 4 })}`]);
    const next = page.locator('[data-role="user"]').first().getByRole("button", { name: "Next version" });
    await next.focus();
    await page.keyboard.press("Enter");
    expect(await questions(page).allTextContents()).toEqual([`Edited ${directive({ tokens: 6 })}`]);
    // The last version has no next: the keyboard is left on its ‹, not on the page.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("aria-label"))).toBe("Previous version");
    await answerTextIs(page, fakeText({ tokens: 6 }));
    expect(fake.stats.requests).toBe(requests);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("settings: the chosen model, temperature, max tokens and system prompt go with the next message and are remembered", async () => {
    const { context, page, foreign, problems } = await open();
    const settingsButton = page.getByRole("button", { name: "Settings", exact: true });
    await settingsButton.click();
    const dialog = page.getByRole("dialog", { name: "Settings" });
    await dialog.waitFor();
    const model = dialog.getByLabel("Model");
    await page.waitForFunction(() => document.querySelectorAll("#settings-model option").length === 2);
    expect(await model.locator("option").allTextContents()).toEqual(["Server default (gpt-fake)", "gpt-fake-large"]);
    await model.selectOption("gpt-fake-large");
    await dialog.getByLabel("Temperature").fill("0.4");
    expect(await dialog.locator("[data-temperature]").textContent()).toBe("0.4");
    await dialog.getByLabel("Max tokens per answer").fill("64");
    await dialog.getByLabel("System prompt").fill("Be brief.");

    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await settingsButton.evaluate((e) => document.activeElement === e)).toBe(true);
    // A model other than the server's default shows in the header.
    expect(await page.locator("header [data-model-chosen]").textContent()).toBe("gpt-fake-large");

    await ask(page, `With settings ${directive({ tokens: 3 })}`);
    const body = lastBody();
    expect(body.model).toBe("gpt-fake-large");
    expect(body.temperature).toBe(0.4);
    expect(body.max_tokens).toBe(64);
    expect(body.messages[0]).toEqual({ role: "system", content: "Be brief." });

    // Remembered with the conversation, and kept for a new chat.
    await page.reload();
    await answerEnds(page, "done");
    expect(await page.locator("header [data-model-chosen]").textContent()).toBe("gpt-fake-large");
    await settingsButton.click();
    await page.waitForFunction(() => document.querySelectorAll("#settings-model option").length === 2);
    expect(await model.inputValue()).toBe("gpt-fake-large");
    expect(await dialog.locator("[data-temperature]").textContent()).toBe("0.4");
    expect(await dialog.getByLabel("Max tokens per answer").inputValue()).toBe("64");
    expect(await dialog.getByLabel("System prompt").inputValue()).toBe("Be brief.");
    await dialog.getByRole("button", { name: "Close settings" }).click();
    await dialog.waitFor({ state: "hidden" });
    await page.getByRole("button", { name: "New chat" }).click();
    await ask(page, `Still set ${directive({ tokens: 2 })}`);
    expect(lastBody()).toMatchObject({ model: "gpt-fake-large", temperature: 0.4, max_tokens: 64 });

    // Back to defaults: the fields leave the request.
    await settingsButton.click();
    await dialog.getByRole("button", { name: "Reset all" }).click();
    await dialog.getByRole("button", { name: "Done" }).click();
    await dialog.waitFor({ state: "hidden" });
    expect(await page.locator("header [data-model-chosen]").count()).toBe(0);
    await ask(page, `Defaults ${directive({ tokens: 2 })}`);
    expect(lastBody().model).toBe("gpt-fake");
    expect("temperature" in lastBody()).toBe(false);
    expect("max_tokens" in lastBody()).toBe(false);
    expect((lastBody().messages[0] as { role: string }).role).toBe("user");
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("'/' focuses the message box unless typing elsewhere, and Ctrl+Shift+O starts a new chat", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `Hi ${directive({ tokens: 2 })}`);
    await page.locator("header h1").click();
    await page.keyboard.press("/");
    expect(await box(page).evaluate((e) => document.activeElement === e)).toBe(true);
    expect(await box(page).inputValue()).toBe("");
    // In the box, "/" is just a character.
    await page.keyboard.type("a/b");
    expect(await box(page).inputValue()).toBe("a/b");

    await page.keyboard.press("Control+Shift+O");
    await page.getByText("How can I help?").waitFor();
    expect(await answers(page).count()).toBe(0);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("keyboard focus is always visible", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `Focus ${directive({ tokens: 2 })}`);
    await page.locator("header h1").click();
    const seen: string[] = [];
    for (let i = 0; i < 16; i++) {
      await page.keyboard.press("Tab");
      const ring = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const s = getComputedStyle(el);
        const within = el.closest("form");
        const box = within ? getComputedStyle(within).boxShadow : "none";
        return {
          name: el === document.body ? "BODY" : (el.getAttribute("aria-label") ?? el.textContent?.trim() ?? el.tagName).slice(0, 40),
          tag: el.tagName + "." + el.className,
          visible: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none" || box !== "none",
        };
      });
      if (ring.name === "BODY") break; // past the last control, out of the page
      seen.push(ring.name);
      expect(ring).toEqual({ ...ring, visible: true });
    }
    expect(seen).toEqual(["Settings", "New chat", "Copy message", "Edit message", "Copy message", "Regenerate", "Attach files", "Message"]);
    await closeAll(context, foreign, problems);
  }, 30_000);

  for (const [name, options] of [
    ["light", { colorScheme: "light", viewport: { width: 1100, height: 760 } }],
    ["dark", { colorScheme: "dark", viewport: { width: 1100, height: 760 } }],
    ["phone", { viewport: { width: 375, height: 720 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
  ] as const) {
    test(`screenshot: an answer with its usage line, and the settings panel (${name})`, async () => {
      const { context, page, foreign, problems } = await open(options);
      await ask(page, `How should a chat page stream answers? ${directive({ text: SAMPLE_ANSWER, delay: 8 })}`);
      await ask(page, `And when the model runs out of tokens? ${directive({ tokens: 24, delay: 8, finish: "length" })}`);
      await page.locator('[data-role="user"]').last().hover();
      await Bun.sleep(250); // the hover actions fade in
      await page.screenshot({ path: join(shots, `actions-usage-${name}.png`) });

      await page.getByRole("button", { name: "Settings", exact: true }).click();
      const dialog = page.getByRole("dialog", { name: "Settings" });
      await page.waitForFunction(() => document.querySelectorAll("#settings-model option").length === 2);
      await dialog.getByLabel("Model").selectOption("gpt-fake-large");
      await dialog.getByLabel("Temperature").fill("0.7");
      await dialog.getByLabel("System prompt").fill("You are a concise assistant. Answer in plain English.");
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(options.viewport.width);
      await page.screenshot({ path: join(shots, `settings-${name}.png`) });
      await closeAll(context, foreign, problems);
    }, 30_000);
  }
});
