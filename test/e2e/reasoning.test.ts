import { describe, expect, test } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { UPSTREAM_APIS, hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";
import { type FakeOpenAI, directive, fakeReasoning, fakeText } from "../support/fake-openai.ts";

// Over both upstream protocols: Chat Completions' `reasoning_content` and the Responses API's reasoning
// summaries must look the same in the page (thinking, folding, reload, Stop, effort).
describe.skipIf(!hasChromium).each(UPSTREAM_APIS)("a reasoning model's answer in a real browser (compiled binary, CHAT_UPSTREAM_API=$api)", ({ api }) => {
  let fake: FakeOpenAI;
  let chat: ChatServer;
  let browser: Browser;
  useBrowserSuite(`chat-e2e-reasoning-${api}-`, (s) => ({ fake, chat, browser } = s), { CHAT_UPSTREAM_API: api });
  /** The reasoning effort the last upstream request carried, in its protocol's field. */
  const sentEffort = () => {
    const body = fake.bodies.at(-1)!;
    return api === "responses" ? (body.reasoning as { effort?: string } | undefined)?.effort : body.reasoning_effort;
  };

  const box = (page: Page) => page.getByRole("textbox", { name: "Message" });
  const answer = (page: Page) => page.locator('[data-role="assistant"]').last();
  const thinking = (page: Page) => answer(page).locator("details[data-thinking]");
  const summary = (page: Page) => thinking(page).locator("summary");
  const thoughtText = (page: Page) => thinking(page).locator("[data-text]").textContent();
  // The answer's own text, not the thinking's (which is markdown too, inside the <details>).
  const answerText = (page: Page) => answer(page).locator(":scope > [data-text]").textContent();
  const isOpen = (page: Page) => thinking(page).evaluate((d) => (d as HTMLDetailsElement).open);

  async function ask(page: Page, text: string) {
    await box(page).fill(text);
    await box(page).press("Enter");
  }

  /** `read()` once it equals `want` (the view draws once a frame, so it may lag the status), else fails with what it was. */
  async function becomes(read: () => Promise<string | null>, want: string, ms = 5000) {
    const until = performance.now() + ms;
    while ((await read()) !== want && performance.now() < until) await Bun.sleep(25);
    expect(await read()).toBe(want);
  }

  /** Whether IndexedDB holds an answer with thinking and the id of its last event, still without text. */
  const savedMidThought = () =>
    new Promise<boolean>((resolve) => {
      const open = indexedDB.open("bun-chat");
      open.onerror = () => resolve(false);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains("conversations")) return resolve(false);
        const all = db.transaction("conversations").objectStore("conversations").getAll();
        all.onsuccess = () =>
          resolve(
            all.result.some((c: { messages: { role: string; content: string; reasoning?: string; lastEventId?: string }[] }) =>
              c.messages.some((m) => m.role === "assistant" && m.content === "" && !!m.reasoning && /^\d+$/.test(m.lastEventId ?? "")),
            ),
          );
        all.onerror = () => resolve(false);
      };
    });

  test("the thinking shows while the model thinks, then folds to 'Thought for N s' above a clean answer", async () => {
    const { context, page, foreign, problems } = await openPage(browser, chat.url);
    await ask(page, `Think first ${directive({ reasoning: 40, reasoning_delay: 40, tokens: 12, delay: 20 })}`);

    await thinking(page).waitFor({ timeout: 5000 });
    expect(await isOpen(page)).toBe(true);
    expect(await summary(page).textContent()).toMatch(/^Thinking…(\d+ s)?$/);
    // The thoughts are not a live region: a screen reader hears the summary and the answer, not each thought.
    expect(await thinking(page).locator('[aria-live="off"] [data-text]').count()).toBe(1);
    expect(await answer(page).locator(":scope > [data-text]").count()).toBe(0);
    await page.waitForFunction(() => (document.querySelector("details[data-thinking] [data-text]")?.textContent ?? "").includes("thought3"));
    // …and the word "Thinking" from a status region outside the busy log, said once, not per thought.
    expect(await page.getByRole("status").filter({ hasText: "Thinking" }).count()).toBe(1);

    await answer(page).and(page.locator('[data-status="done"]')).waitFor({ timeout: 10_000 });
    await becomes(() => answerText(page), fakeText({ tokens: 12 }));
    await becomes(() => thoughtText(page), fakeReasoning({ reasoning: 40 }));
    expect(await isOpen(page)).toBe(false);
    expect(await summary(page).textContent()).toMatch(/^Thought for \d+ s$/);
    expect(await page.getByRole("status").filter({ hasText: "Thinking" }).count()).toBe(0);
    // Folded, but there: a click opens it again.
    await summary(page).click();
    expect(await isOpen(page)).toBe(true);
    expect(await thinking(page).locator("[data-text]").isVisible()).toBe(true);
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);

  test("a reload mid-thinking re-attaches, and both the thinking and the answer complete exactly", async () => {
    const { context, page, foreign, problems } = await openPage(browser, chat.url);
    const reattached: (string | undefined)[] = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/stream")) void r.allHeaders().then((h) => reattached.push(h["last-event-id"]));
    });
    const requests = fake.stats.requests;
    await ask(page, `Think long ${directive({ reasoning: 80, reasoning_delay: 50, tokens: 20, delay: 20 })}`);
    // Reload once the saved copy has thoughts and the id of the last one, and no answer text yet.
    for (let i = 0; !(await page.evaluate(savedMidThought)); i++) {
      if (i > 100) throw new Error("the thinking was never saved with its last event id");
      await Bun.sleep(50);
    }
    await page.reload();
    await thinking(page).waitFor({ timeout: 5000 });
    await answer(page).and(page.locator('[data-status="done"]')).waitFor({ timeout: 15_000 });
    await becomes(() => thoughtText(page), fakeReasoning({ reasoning: 80 }));
    await becomes(() => answerText(page), fakeText({ tokens: 20 }));
    expect(await summary(page).textContent()).toMatch(/^Thought for \d+ s$/);
    expect(reattached.length).toBe(1);
    expect(Number(reattached[0])).toBeGreaterThan(0);
    expect(fake.stats.requests).toBe(requests + 1); // the model was asked once: nothing re-generated
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 40_000);

  test("Stop while thinking keeps the thinking open and says so", async () => {
    const { context, page, problems } = await openPage(browser, chat.url);
    await ask(page, `Think forever ${directive({ reasoning: 400, reasoning_delay: 30, tokens: 5 })}`);
    await page.waitForFunction(() => (document.querySelector("details[data-thinking] [data-text]")?.textContent ?? "").includes("thought2"));
    await page.getByRole("button", { name: "Stop" }).click();
    await answer(page).and(page.locator('[data-status="stopped"]')).waitFor({ timeout: 5000 });
    expect(await summary(page).textContent()).toBe("Stopped while thinking");
    expect(await isOpen(page)).toBe(true);
    expect(await answer(page).locator(":scope > [data-text]").count()).toBe(0);
    await context.close();
    expect(problems).toEqual([]);
  }, 30_000);

  test("the reasoning effort chosen in the settings is sent upstream, and 'Model default' sends none", async () => {
    const { context, page, problems } = await openPage(browser, chat.url);
    await page.getByRole("button", { name: "Settings" }).click();
    const effort = page.getByRole("combobox", { name: "Reasoning effort" });
    expect(await effort.inputValue()).toBe("");
    await effort.selectOption("low");
    await page.getByRole("button", { name: "Done" }).click();
    await ask(page, `Low effort ${directive({ tokens: 2 })}`);
    await answer(page).and(page.locator('[data-status="done"]')).waitFor({ timeout: 5000 });
    expect(sentEffort()).toBe("low");

    await page.getByRole("button", { name: "Settings" }).click();
    await effort.selectOption("");
    await page.getByRole("button", { name: "Done" }).click();
    await ask(page, `Default effort ${directive({ tokens: 2 })}`);
    await page.locator('[data-role="assistant"][data-status="done"]').nth(1).waitFor({ timeout: 5000 });
    expect(sentEffort()).toBeUndefined();
    await context.close();
    expect(problems).toEqual([]);
  }, 30_000);
});
