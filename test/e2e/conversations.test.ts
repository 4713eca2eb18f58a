import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { SHOTS, hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";
import { type FakeOpenAI, directive, fakeText } from "../support/fake-openai.ts";

const shots = SHOTS;

let dir: string;
let fake: FakeOpenAI;
let chat: ChatServer;
let browser: Browser;

describe.skipIf(!hasChromium)("several conversations in a real browser (compiled binary)", () => {
  useBrowserSuite("chat-e2e-conversations-", (s) => ({ dir, fake, chat, browser } = s));

  /** A fresh browser profile on the page, once the message box is there; every request must stay on our origin. */
  const open = (options: Parameters<Browser["newContext"]>[0] = {}) =>
    openPage(browser, chat.url, { viewport: { width: 1100, height: 760 }, ...options });

  const box = (page: Page) => page.getByRole("textbox", { name: "Message" });
  const answers = (page: Page) => page.locator('[data-role="assistant"]');
  const questions = (page: Page) => page.locator('[data-role="user"] [data-text]');
  const sidebar = (page: Page) => page.getByRole("complementary", { name: "Conversations" });
  const titles = (page: Page) => sidebar(page).locator("li [aria-current], li button:first-child").allTextContents();
  const search = (page: Page) => page.getByRole("searchbox", { name: "Search conversations" });

  async function ask(page: Page, text: string) {
    await box(page).fill(text);
    await box(page).press("Enter");
    await page.locator('[data-role="assistant"]:last-child[data-status="done"]').waitFor({ timeout: 10_000 });
  }

  async function closeAll(context: BrowserContext, foreign: string[], problems: string[]) {
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }

  test("two conversations survive a reload, newest first, and switching shows each one's messages", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `  Pancakes for four ${directive({ tokens: 3 })}`);
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByText("How can I help?").waitFor();
    await ask(page, `Rust lifetimes ${directive({ tokens: 4 })}`);
    expect(await titles(page)).toEqual([`Rust lifetimes ${directive({ tokens: 4 })}`, `Pancakes for four ${directive({ tokens: 3 })}`]);

    await page.reload();
    await box(page).waitFor();
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor();
    expect(await titles(page)).toEqual([`Rust lifetimes ${directive({ tokens: 4 })}`, `Pancakes for four ${directive({ tokens: 3 })}`]);
    expect(await questions(page).allTextContents()).toEqual([`Rust lifetimes ${directive({ tokens: 4 })}`]);

    await sidebar(page).getByRole("button", { name: `Pancakes for four ${directive({ tokens: 3 })}`, exact: true }).click();
    await page.getByText(fakeText({ tokens: 3 })).waitFor();
    expect(await questions(page).allTextContents()).toEqual([`Pancakes for four ${directive({ tokens: 3 })}`]);
    expect(await answers(page).locator("[data-text]").allTextContents()).toEqual([fakeText({ tokens: 3 })]);
    // The one on screen stays on screen after a reload.
    await page.reload();
    await page.getByText(fakeText({ tokens: 3 })).waitFor();

    // Rename inline (Enter keeps it), then delete after the confirm.
    await sidebar(page).getByRole("button", { name: /^Rename “Pancakes/ }).click();
    const title = sidebar(page).getByRole("textbox", { name: "Conversation title" });
    await title.fill("Breakfast");
    await title.press("Enter");
    expect(await titles(page)).toEqual([`Rust lifetimes ${directive({ tokens: 4 })}`, "Breakfast"]);
    page.once("dialog", (d) => void d.accept());
    await sidebar(page).getByRole("button", { name: "Delete “Breakfast”" }).click();
    await questions(page).first().waitFor();
    expect(await titles(page)).toEqual([`Rust lifetimes ${directive({ tokens: 4 })}`]);
    expect(await questions(page).allTextContents()).toEqual([`Rust lifetimes ${directive({ tokens: 4 })}`]);
    await page.reload();
    await questions(page).first().waitFor();
    expect(await titles(page)).toEqual([`Rust lifetimes ${directive({ tokens: 4 })}`]);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("an answer goes on arriving while another conversation is open, and is whole on coming back", async () => {
    const { context, page, foreign, problems } = await open();
    const slow = `Slow ${directive({ tokens: 40, delay: 60 })}`;
    await box(page).fill(slow);
    await box(page).press("Enter");
    await page.waitForFunction(() => (document.querySelector('[data-role="assistant"] [data-text]')?.textContent ?? "").length > 10);
    const cancelled = fake.stats.cancelled;

    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByText("How can I help?").waitFor();
    const item = sidebar(page).locator("li").filter({ hasText: slow });
    expect(await item.getByRole("img", { name: "Answering" }).isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, "conversations-answering.png") });
    // The one on screen can be used meanwhile.
    await ask(page, `Quick ${directive({ tokens: 2 })}`);

    // Back while it is still arriving: the same answer, still growing.
    await item.getByRole("button", { name: slow, exact: true }).click();
    await page.locator('[data-role="assistant"][data-status="streaming"]').waitFor();
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 15_000 });
    expect(await answers(page).locator("[data-text]").allTextContents()).toEqual([fakeText({ tokens: 40 })]);
    expect(await item.getByRole("img", { name: "Answering" }).count()).toBe(0);
    expect(fake.stats.cancelled).toBe(cancelled);
    await closeAll(context, foreign, problems);
  }, 40_000);

  test("after a reload, an answer still arriving in a conversation not on screen goes on arriving there", async () => {
    const { context, page, foreign, problems } = await open();
    const slow = `Slow again ${directive({ tokens: 40, delay: 60 })}`;
    await box(page).fill(slow);
    await box(page).press("Enter");
    await page.waitForFunction(() => (document.querySelector('[data-role="assistant"] [data-text]')?.textContent ?? "").length > 10);
    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByText("How can I help?").waitFor();
    const cancelled = fake.stats.cancelled;

    await page.reload();
    await page.getByText("How can I help?").waitFor();
    const item = sidebar(page).locator("li").filter({ hasText: slow });
    await item.getByRole("img", { name: "Answering" }).waitFor();
    // It ends off screen, never having been opened, and is whole when opened.
    await item.getByRole("img", { name: "Answering" }).waitFor({ state: "detached", timeout: 15_000 });
    await item.getByRole("button", { name: slow, exact: true }).click();
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor();
    expect(await answers(page).locator("[data-text]").allTextContents()).toEqual([fakeText({ tokens: 40 })]);
    expect(fake.stats.cancelled).toBe(cancelled);
    await closeAll(context, foreign, problems);
  }, 40_000);

  test("two tabs see each other's new, renamed, changed and deleted conversations without a reload", async () => {
    const { context, page: a, foreign, problems } = await open();
    const first = `Tabs one ${directive({ tokens: 3 })}`;
    await ask(a, first);
    const b = await context.newPage();
    b.on("pageerror", (e) => problems.push(e.message));
    await b.goto(chat.url);
    await b.getByText(fakeText({ tokens: 3 })).waitFor();

    // A new conversation in one tab is listed in the other.
    await a.getByRole("button", { name: "New chat" }).click();
    const second = `Tabs two ${directive({ tokens: 2 })}`;
    await ask(a, second);
    await sidebar(b).getByRole("button", { name: second, exact: true }).waitFor();
    expect(await titles(b)).toEqual([second, first]);

    // A rename too.
    await sidebar(a).getByRole("button", { name: `Rename “${second}”` }).click();
    await sidebar(a).getByRole("textbox", { name: "Conversation title" }).fill("Renamed in A");
    await sidebar(a).getByRole("textbox", { name: "Conversation title" }).press("Enter");
    await sidebar(b).getByRole("button", { name: "Renamed in A", exact: true }).waitFor();

    // The conversation open in B (and idle there) shows what was added to it in A, answer included.
    await sidebar(a).getByRole("button", { name: first, exact: true }).click();
    await ask(a, `More ${directive({ tokens: 5 })}`);
    await b.getByText(fakeText({ tokens: 5 })).waitFor();
    expect(await questions(b).allTextContents()).toEqual([first, `More ${directive({ tokens: 5 })}`]);

    // And a delete.
    a.once("dialog", (d) => void d.accept());
    await sidebar(a).getByRole("button", { name: "Delete “Renamed in A”" }).click();
    await sidebar(b).getByRole("button", { name: "Renamed in A", exact: true }).waitFor({ state: "detached" });
    expect(await titles(b)).toEqual([first]);
    await closeAll(context, foreign, problems);
  }, 40_000);

  test("the one conversation kept by earlier versions (localStorage) moves into the list", async () => {
    const context = await browser.newContext();
    await context.addInitScript(() => {
      if (localStorage.getItem("chat.migrated-test")) return;
      localStorage.setItem("chat.migrated-test", "1");
      localStorage.setItem(
        "chat.conversation.v1",
        JSON.stringify({ messages: [{ id: "u", role: "user", content: "From before" }, { id: "a", role: "assistant", content: "Old answer", status: "done" }] }),
      );
    });
    const page = await context.newPage();
    await page.goto(chat.url);
    await page.getByText("Old answer").waitFor();
    expect(await titles(page)).toEqual(["From before"]);
    await page.reload();
    await page.getByText("Old answer").waitFor();
    expect(await titles(page)).toEqual(["From before"]);
    expect(await page.evaluate(() => localStorage.getItem("chat.conversation.v1"))).toBeNull();
    await context.close();
  }, 30_000);

  test("the search box filters by title and by text as you type, and Ctrl+K focuses it", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `Pancakes ${directive({ tokens: 2 })}`);
    await page.getByRole("button", { name: "New chat" }).click();
    await ask(page, `Waffles ${directive({ tokens: 2 })}`);
    await page.getByRole("button", { name: "New chat" }).click();
    await ask(page, `Tea ${directive({ tokens: 2 })}`);

    await box(page).click();
    await page.keyboard.press("Control+k");
    expect(await search(page).evaluate((e) => document.activeElement === e)).toBe(true);
    await page.keyboard.type("waff");
    expect(await titles(page)).toEqual([`Waffles ${directive({ tokens: 2 })}`]);
    // The answers' text is searched too: every answer holds the fake's words.
    await search(page).fill(fakeText({ tokens: 2 }).split(" ")[0]!);
    expect((await titles(page)).length).toBe(3);
    await search(page).fill("nothing like this");
    await sidebar(page).getByText("No conversation matches").waitFor();
    await search(page).press("Escape");
    expect((await titles(page)).length).toBe(3);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("export as JSON downloads through a blob: link, and importing it back gives the same messages", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `Export me ${directive({ tokens: 5 })}`);
    await ask(page, `And me ${directive({ tokens: 2 })}`);
    const before = { questions: await questions(page).allTextContents(), answers: await answers(page).locator("[data-text]").allTextContents() };

    const [json] = await Promise.all([page.waitForEvent("download"), sidebar(page).getByRole("button", { name: "Export JSON" }).click()]);
    expect(json.url().startsWith("blob:")).toBe(true);
    expect(json.suggestedFilename()).toBe("export-me-fake-tokens-5.json");
    const file = join(dir, "export.json");
    await json.saveAs(file);
    const [md] = await Promise.all([page.waitForEvent("download"), sidebar(page).getByRole("button", { name: "Export Markdown" }).click()]);
    const mdFile = join(dir, "export.md");
    await md.saveAs(mdFile);
    expect(readFileSync(mdFile, "utf8")).toContain(`**You:**\n\nAnd me ${directive({ tokens: 2 })}`);

    // A bad file says why and changes nothing.
    await sidebar(page).getByLabel("Import a conversation (JSON)").setInputFiles({ name: "x.json", mimeType: "application/json", buffer: Buffer.from("{ nope") });
    await sidebar(page).getByRole("alert").getByText("This file is not JSON").waitFor();
    expect((await titles(page)).length).toBe(1);

    await sidebar(page).getByLabel("Import a conversation (JSON)").setInputFiles(file);
    await page.waitForFunction(() => document.querySelectorAll("#sidebar li").length === 2);
    expect(await sidebar(page).getByRole("alert").count()).toBe(0);
    expect(await titles(page)).toEqual([`Export me ${directive({ tokens: 5 })}`, `Export me ${directive({ tokens: 5 })}`]);
    const active = sidebar(page).locator("[aria-current=page]");
    expect(await active.evaluate((el) => el.closest("li") === document.querySelector("#sidebar li"))).toBe(true);
    expect({ questions: await questions(page).allTextContents(), answers: await answers(page).locator("[data-text]").allTextContents() }).toEqual(before);
    await page.reload();
    await questions(page).first().waitFor();
    expect(await answers(page).locator("[data-text]").allTextContents()).toEqual(before.answers);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("on a phone the sidebar hides behind the menu button, opens over the page and closes again", async () => {
    const { context, page, foreign, problems } = await open({ viewport: { width: 375, height: 720 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const menu = page.getByRole("button", { name: "Conversations" });
    await ask(page, `First on the phone ${directive({ tokens: 3 })}`);
    await page.getByRole("button", { name: "New chat" }).click();
    await ask(page, `Second on the phone ${directive({ tokens: 2 })}`);
    expect(await sidebar(page).isVisible()).toBe(false);
    expect(await menu.getAttribute("aria-expanded")).toBe("false");

    await menu.tap();
    await sidebar(page).waitFor();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await page.screenshot({ path: join(shots, "conversations-phone.png") });

    // Tapping beside it closes it; choosing a conversation opens that one and closes it too.
    await page.mouse.click(360, 400);
    await sidebar(page).waitFor({ state: "hidden" });
    await menu.tap();
    await sidebar(page).getByRole("button", { name: `First on the phone ${directive({ tokens: 3 })}`, exact: true }).tap();
    await sidebar(page).waitFor({ state: "hidden" });
    expect(await questions(page).allTextContents()).toEqual([`First on the phone ${directive({ tokens: 3 })}`]);
    await menu.tap();
    await search(page).focus();
    await page.keyboard.press("Escape");
    await sidebar(page).waitFor({ state: "hidden" });
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("on a desktop the sidebar is beside the conversation and stays collapsed once collapsed", async () => {
    const { context, page, foreign, problems } = await open();
    await ask(page, `Desk ${directive({ tokens: 2 })}`);
    expect(await sidebar(page).isVisible()).toBe(true);
    const box = await sidebar(page).boundingBox();
    const main = await page.locator("main, [data-role=user]").first().boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(main!.x);
    await page.getByRole("button", { name: "Conversations" }).click();
    await sidebar(page).waitFor({ state: "hidden" });
    await page.reload();
    await questions(page).first().waitFor();
    expect(await sidebar(page).isVisible()).toBe(false);
    await page.getByRole("button", { name: "Conversations" }).click();
    await sidebar(page).waitFor();
    await closeAll(context, foreign, problems);
  }, 30_000);

  for (const scheme of ["light", "dark"] as const) {
    test(`screenshot: the sidebar with a few conversations (${scheme})`, async () => {
      const { context, page, foreign, problems } = await open({ colorScheme: scheme });
      for (const [i, q] of ["How do Server-Sent Events reconnect?", "A packing list for a weekend of hiking", "Explain Rust lifetimes with an example"].entries()) {
        if (i > 0) await page.getByRole("button", { name: "New chat" }).click();
        await ask(page, `${q} ${directive({ tokens: 12 })}`);
      }
      await sidebar(page).getByRole("button", { name: /^Rename “A packing list/ }).click();
      const title = sidebar(page).getByRole("textbox", { name: "Conversation title" });
      await title.fill("Hiking checklist");
      await title.press("Enter");
      await page.screenshot({ path: join(shots, `conversations-${scheme}.png`) });
      await closeAll(context, foreign, problems);
    }, 30_000);
  }
});
