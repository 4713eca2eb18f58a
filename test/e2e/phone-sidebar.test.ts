import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { SHOTS, hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";
import { type FakeOpenAI, directive } from "../support/fake-openai.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
let browser: Browser;

const PHONE = { viewport: { width: 375, height: 720 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };

/** What has keyboard focus: its accessible name (or tag) and whether it is inside the sidebar. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return {
      name: el?.getAttribute("aria-label") ?? el?.textContent?.trim() ?? el?.tagName ?? "",
      inSidebar: !!el?.closest("#sidebar"),
    };
  });

/** Whether the message box and the header's buttons are out of reach (inert) right now. */
const pageInert = (page: Page) =>
  page.evaluate(() => ({
    composer: !!document.querySelector('textarea[aria-label="Message"]')?.closest("[inert]"),
    header: !!document.querySelector("header")?.closest("[inert]"),
  }));

describe.skipIf(!hasChromium)("the sidebar on a 375 px phone is a modal drawer (compiled binary)", () => {
  useBrowserSuite("chat-e2e-phone-sidebar-", (s) => ({ fake, chat, browser } = s));

  const box = (page: Page) => page.getByRole("textbox", { name: "Message" });
  const sidebar = (page: Page) => page.locator("#sidebar");
  // Located by id, not by role: while the drawer is open the header is inert, out of the accessibility tree.
  const menu = (page: Page) => page.locator('header button[aria-controls="sidebar"]');

  async function ask(page: Page, text: string) {
    await box(page).fill(text);
    await box(page).press("Enter");
    await page.locator('[data-role="assistant"]:last-child[data-status="done"]').waitFor({ timeout: 10_000 });
  }

  test("focus moves in on open, Tab stays inside, the page behind is inert, Esc closes and focus returns to the menu button", async () => {
    const { context, page, foreign, problems } = await openPage(browser, chat.url, PHONE);
    const first = `Phone one ${directive({ tokens: 3 })}`;
    const second = `Phone two ${directive({ tokens: 2 })}`;
    await ask(page, first);
    await page.getByRole("button", { name: "New chat" }).click();
    await ask(page, second);
    expect(await pageInert(page)).toEqual({ composer: false, header: false });

    await menu(page).focus();
    await page.keyboard.press("Enter");
    await sidebar(page).waitFor();
    expect(await focused(page)).toEqual({ name: "Search conversations", inSidebar: true });
    expect(await pageInert(page)).toEqual({ composer: true, header: true });
    await page.screenshot({ path: join(SHOTS, "phone-sidebar-open.png") });

    // Around the drawer and back, both ways: focus never leaves it.
    const stops = await sidebar(page).locator("button:visible, input:visible:not([tabindex='-1'])").count();
    for (let i = 0; i < stops + 2; i++) {
      await page.keyboard.press("Tab");
      expect((await focused(page)).inSidebar).toBe(true);
    }
    await box(page).focus().catch(() => {});
    expect((await focused(page)).inSidebar).toBe(true);
    await sidebar(page).getByRole("searchbox", { name: "Search conversations" }).focus();
    await page.keyboard.press("Shift+Tab");
    expect((await focused(page)).inSidebar).toBe(true);
    expect((await focused(page)).name).not.toBe("Search conversations");

    // Esc in a search with text clears the text first; the next Esc closes the drawer.
    await sidebar(page).getByRole("searchbox", { name: "Search conversations" }).fill("Phone");
    await page.keyboard.press("Escape");
    expect(await sidebar(page).isVisible()).toBe(true);
    await page.keyboard.press("Escape");
    await sidebar(page).waitFor({ state: "hidden" });
    expect(await focused(page)).toEqual({ name: "Conversations", inSidebar: false });
    expect(await pageInert(page)).toEqual({ composer: false, header: false });
    // Esc closed only the drawer: the conversation is untouched.
    expect(await page.locator('[data-role="assistant"][data-status="done"]').count()).toBe(1);

    // Choosing a conversation opens it, closes the drawer and gives focus back to the menu button.
    await menu(page).tap();
    await sidebar(page).waitFor();
    await sidebar(page).getByRole("button", { name: first, exact: true }).tap();
    await sidebar(page).waitFor({ state: "hidden" });
    expect(await page.locator('[data-role="user"] [data-text]').allTextContents()).toEqual([first]);
    expect(await focused(page)).toEqual({ name: "Conversations", inSidebar: false });
    expect(await pageInert(page)).toEqual({ composer: false, header: false });

    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 40_000);

  test("beside the conversation (a wide window) the open sidebar leaves the page usable", async () => {
    const { context, page, problems } = await openPage(browser, chat.url, { viewport: { width: 1100, height: 760 } });
    await ask(page, `Wide ${directive({ tokens: 2 })}`);
    expect(await sidebar(page).isVisible()).toBe(true);
    expect(await pageInert(page)).toEqual({ composer: false, header: false });
    await box(page).focus();
    expect((await focused(page)).name).toBe("Message");
    await context.close();
    expect(problems).toEqual([]);
  }, 30_000);
});
