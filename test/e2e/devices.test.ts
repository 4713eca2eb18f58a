import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { SHOTS, hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import { type ChatServer, startChat } from "../support/chat-server.ts";
import { directive, fakeText } from "../support/fake-openai.ts";
import { dataDir } from "../history/support.ts";

let chat: ChatServer;
let browser: Browser;
let suiteDir: string;
let fakeURL: string;
const TOKEN = "tok-alice-0123456789";

describe.skipIf(!hasChromium)("conversations on the server, seen from two devices (compiled binary, CHAT_HISTORY on)", () => {
  useBrowserSuite("chat-e2e-devices-", (s) => ({ chat, browser, dir: suiteDir, fake: { baseURL: fakeURL } } = s), {
    CHAT_HISTORY: "on",
    CHAT_DATA_DIR: dataDir(),
    CHAT_AUTH_TOKEN: `alice:${TOKEN},bob:tok-bob-0123456789`,
  });

  /** A device: a fresh browser profile (nothing in its IndexedDB) that has entered `token` before. */
  const device = async (token = TOKEN) => {
    // The page asks for the token first (as a new device does); it is given as that form keeps it, then the page loads again.
    const opened = await openPage(browser, chat.url, { viewport: { width: 1000, height: 760 } }, (page) => page.waitForLoadState("domcontentloaded"));
    await opened.page.evaluate((t) => localStorage.setItem("chat.token.v1", t), token);
    await opened.page.reload();
    // The first load was refused its API calls (no token yet), as a new device's is.
    opened.problems.length = 0;
    await opened.page.getByRole("textbox", { name: "Message" }).waitFor();
    return opened;
  };
  const sidebar = (page: Page) => page.getByRole("complementary", { name: "Conversations" });
  const lastAnswer = (page: Page) => page.locator('[data-role="assistant"]').last();

  test("an answer asked on device A, closed mid-answer, is finished on the server and read whole on device B", async () => {
    const a = await device();
    const question = `Tell me a long story ${directive({ tokens: 80, delay: 25 })}`;
    await a.page.getByRole("textbox", { name: "Message" }).fill(question);
    await a.page.getByRole("textbox", { name: "Message" }).press("Enter");
    await lastAnswer(a.page).locator("[data-text]").filter({ hasText: "tok" }).first().waitFor();
    // The laptop lid closes: the page is gone with the answer still arriving (about 2 s of it left).
    await a.context.close();

    const b = await device();
    const item = sidebar(b.page).getByRole("button", { name: question, exact: true });
    await item.waitFor({ timeout: 10_000 });
    await item.click();
    await b.page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 15_000 });
    expect(await lastAnswer(b.page).locator("[data-text]").textContent()).toBe(fakeText({ tokens: 80 }));
    await b.page.screenshot({ path: join(SHOTS, "devices-b-reads-a.png") });
    expect(b.foreign).toEqual([]);
    expect(b.problems).toEqual([]);
    await b.context.close();
  }, 45_000);

  test("two devices open at once stay in step: a new conversation, its answer live, a rename and a delete show on the other", async () => {
    const [a, b] = [await device(), await device()];
    const question = `Live on both ${directive({ tokens: 60, delay: 30 })}`;
    const sent = performance.now();
    await a.page.getByRole("textbox", { name: "Message" }).fill(question);
    await a.page.getByRole("textbox", { name: "Message" }).press("Enter");
    const onB = sidebar(b.page).getByRole("button", { name: question, exact: true });
    await onB.waitFor({ timeout: 5_000 });
    const seenMs = performance.now() - sent;
    // Before B opens it, its sidebar already says an answer is arriving there.
    await sidebar(b.page).locator("li").filter({ hasText: question }).getByRole("img", { name: "Answering" }).waitFor({ timeout: 2_000 });
    await onB.click();
    // B follows the answer as it arrives, not only once it is over.
    await b.page.locator('[data-role="assistant"][data-status="streaming"]').waitFor({ timeout: 5_000 });
    await b.page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 15_000 });
    expect(await lastAnswer(b.page).locator("[data-text]").textContent()).toBe(fakeText({ tokens: 60 }));
    await a.page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 15_000 });
    console.log(`devices: a new conversation showed on the other device ${seenMs.toFixed(0)} ms after Enter`);

    await sidebar(a.page).getByRole("button", { name: /^Rename “Live on both/ }).click();
    const title = sidebar(a.page).getByRole("textbox", { name: "Conversation title" });
    await title.fill("Shared story");
    await title.press("Enter");
    await sidebar(b.page).getByRole("button", { name: "Shared story", exact: true }).waitFor({ timeout: 5_000 });

    a.page.once("dialog", (d) => void d.accept());
    await sidebar(a.page).getByRole("button", { name: "Delete “Shared story”" }).click();
    await sidebar(b.page).getByRole("button", { name: "Shared story", exact: true }).waitFor({ state: "detached", timeout: 5_000 });
    await b.page.screenshot({ path: join(SHOTS, "devices-in-step.png") });
    for (const d of [a, b]) {
      expect(d.foreign).toEqual([]);
      expect(d.problems).toEqual([]);
      await d.context.close();
    }
  }, 60_000);

  test("upgrading to a server that keeps history: the conversations this browser had are offered once, and uploaded", async () => {
    // The same address (so the same browser storage), first served without history, then with it.
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = String(probe.port);
    probe.stop(true);
    const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fakeURL, OPENAI_MODEL: "gpt-fake", PORT: port };
    const binary = join(suiteDir, "chat");
    const before = await startChat({ binary, env: { ...env, CHAT_HISTORY: "off" } });
    const { context, page, foreign, problems } = await openPage(browser, before.url, { viewport: { width: 1000, height: 760 } });
    const question = `Kept in this browser ${directive({ tokens: 3 })}`;
    await page.getByRole("textbox", { name: "Message" }).fill(question);
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor();
    // The page has fetched all it wants (chunks load as they are needed) before its server goes away.
    await page.waitForLoadState("networkidle");
    expect(problems).toEqual([]);
    await before.stop();

    const after = await startChat({ binary, env: { ...env, CHAT_HISTORY: "on", CHAT_DATA_DIR: dataDir() } });
    try {
      await page.reload();
      // The page was left open while its server restarted: what it could not reach then is no concern here.
      problems.length = 0;
      const offer = page.getByRole("region", { name: "Conversations in this browser" });
      await offer.waitFor({ timeout: 5_000 });
      expect(await offer.textContent()).toContain("1 conversation in this browser is not on it yet");
      await page.screenshot({ path: join(SHOTS, "devices-upload-offer.png") });
      await offer.getByRole("button", { name: "Upload" }).click();
      await offer.waitFor({ state: "detached" });
      // On the server now, as this browser has it.
      const until = performance.now() + 5_000;
      let listed: { items: { title: string }[] } = { items: [] };
      while (listed.items.length === 0 && performance.now() < until) {
        listed = (await (await fetch(`${after.url}/api/conversations`)).json()) as typeof listed;
        if (listed.items.length === 0) await Bun.sleep(50);
      }
      expect(listed.items.map((i) => i.title)).toEqual([question]);
      // Asked once: a reload does not ask again.
      await page.reload();
      await page.getByRole("textbox", { name: "Message" }).waitFor();
      await Bun.sleep(500);
      expect(await page.getByRole("region", { name: "Conversations in this browser" }).count()).toBe(0);
      expect(foreign).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await context.close();
      await after.stop();
    }
  }, 45_000);

  test("when the server cannot save (a corrupt database file), the answer still streams whole and says it is not saved", async () => {
    const data = dataDir();
    writeFileSync(join(data, "history.sqlite"), "this is not a database ".repeat(200));
    const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fakeURL, OPENAI_MODEL: "gpt-fake", CHAT_HISTORY: "on", CHAT_DATA_DIR: data };
    const broken = await startChat({ binary: join(suiteDir, "chat"), env });
    const { context, page, foreign, problems } = await openPage(browser, broken.url, { viewport: { width: 1000, height: 760 } });
    try {
      // Short: it ends before any save is tried, so only a store already known to fail can say so in time.
      await page.getByRole("textbox", { name: "Message" }).fill(`Save this ${directive({ tokens: 3 })}`);
      await page.getByRole("textbox", { name: "Message" }).press("Enter");
      await page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: 10_000 });
      expect(await lastAnswer(page).locator("[data-text]").textContent()).toBe(fakeText({ tokens: 3 }));
      const note = lastAnswer(page).getByRole("status").filter({ hasText: "This answer is not being saved on the server" });
      await note.waitFor({ timeout: 5_000 });
      expect(await note.textContent()).toContain("SQLITE_NOTADB");
      await page.screenshot({ path: join(SHOTS, "devices-not-saved.png") });
      expect(foreign).toEqual([]);
      // The page's own sync asked the server for the list and was told the store failed (503): logged by the browser.
      expect(problems.filter((p) => !p.includes("503"))).toEqual([]);
    } finally {
      await context.close();
      await broken.stop();
    }
  }, 30_000);
});
