import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { SHOTS, buildBinary, hasChromium, launchChromium, openPage } from "../support/browser.ts";
import { type ChatServer, startChat } from "../support/chat-server.ts";
import { type FakeOpenAI, directive, fakeText, startFakeOpenAI } from "../support/fake-openai.ts";
import { startFakeResponses } from "../support/fake-responses.ts";

const shots = SHOTS;

// What a real answer looks like, for the screenshots: paragraphs, a list, unicode.
const SAMPLE_ANSWER = [
  "Server-Sent Events are a good fit for streaming model output:",
  "",
  "1. The browser opens one ordinary HTTP request and reads the body as it arrives.",
  "2. Each token becomes a small `data:` line, so the text appears while it is written.",
  "3. Proxies keep the connection alive with comment lines — no WebSocket needed.",
  "",
  "Stopping is just aborting the fetch; the server cancels the upstream call at once. ✓",
].join("\n");
const TOKEN = "e2e-access-token-7d1f";

let dir: string;
let fake: FakeOpenAI;
let chat: ChatServer;
let keyless: ChatServer;
let locked: ChatServer;
let showcase: { fake: FakeOpenAI; chat: ChatServer };
/** The same server on CHAT_UPSTREAM_API=responses against a fake Responses API upstream. */
let responses: { fake: FakeOpenAI; chat: ChatServer };
let browser: Browser;

describe.skipIf(!hasChromium)("chat page in a real browser (compiled binary)", () => {
  beforeAll(async () => {
    let binary: string;
    ({ dir, binary } = await buildBinary("chat-e2e-"));

    fake = startFakeOpenAI();
    const showFake = startFakeOpenAI({ text: SAMPLE_ANSWER, delay: 12 });
    const responsesFake = startFakeResponses();
    const env = (baseURL: string) => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: baseURL, OPENAI_MODEL: "gpt-fake" });
    [chat, keyless, locked, showcase, responses, browser] = await Promise.all([
      startChat({ binary, env: env(fake.baseURL) }),
      startChat({ binary }),
      startChat({ binary, env: { ...env(fake.baseURL), CHAT_AUTH_TOKEN: TOKEN } }),
      startChat({ binary, env: env(showFake.baseURL) }).then((c) => ({ fake: showFake, chat: c })),
      startChat({ binary, env: { ...env(responsesFake.baseURL), CHAT_UPSTREAM_API: "responses" } }).then((c) => ({ fake: responsesFake, chat: c })),
      launchChromium(),
    ]);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([chat?.stop(), keyless?.stop(), locked?.stop(), showcase?.chat.stop(), responses?.chat.stop()]);
    await Promise.all([fake?.stop(), showcase?.fake.stop(), responses?.fake.stop()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A fresh browser profile (empty localStorage) on the page; every request must stay on our origin.
   * Resolves once `ready` holds (by default: the message box is there).
   */
  const open = (server: ChatServer, options: Parameters<Browser["newContext"]>[0] = {}, ready?: (page: Page) => Promise<void>) =>
    openPage(browser, server.url, options, ready);

  const box = (page: Page) => page.getByRole("textbox", { name: "Message" });
  const answers = (page: Page) => page.locator('[data-role="assistant"]');
  const lastAnswerText = (page: Page) => answers(page).last().locator("[data-text]").textContent();
  /** The last answer's drawn text becomes `text` (the view draws once a frame, so it may lag the status). */
  async function answerTextIs(page: Page, text: string, timeoutMs = 5_000) {
    const until = performance.now() + timeoutMs;
    while ((await lastAnswerText(page)) !== text && performance.now() < until) await Bun.sleep(25);
    expect(await lastAnswerText(page)).toBe(text);
  }

  /** Waits for the last answer to reach a status ("done", "stopped", "error"). */
  async function answerEnds(page: Page, status: string, timeout = 10_000) {
    await page.locator(`[data-role="assistant"]:last-child[data-status="${status}"]`).waitFor({ timeout });
  }

  async function ask(page: Page, text: string) {
    await box(page).fill(text);
    await box(page).press("Enter");
  }

  /** Whether the conversation kept in IndexedDB has an answer with the id of its last event (saved about once a second). */
  const savedWithEventId = () =>
    new Promise<boolean>((resolve) => {
      const open = indexedDB.open("bun-chat");
      open.onerror = () => resolve(false);
      open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains("conversations")) return resolve(false);
        const all = db.transaction("conversations").objectStore("conversations").getAll();
        all.onsuccess = () => resolve(/"lastEventId":"\d+"/.test(JSON.stringify(all.result)));
        all.onerror = () => resolve(false);
      };
    });

  async function closeAll(context: BrowserContext, foreign: string[], problems: string[]) {
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }

  test.each(["chat", "responses"])("a message sent with Enter streams its answer in, exactly (CHAT_UPSTREAM_API=%s)", async (api) => {
    const server = api === "responses" ? responses.chat : chat;
    const upstream = api === "responses" ? responses.fake : fake;
    const requests = upstream.stats.requests;
    const { context, page, foreign, problems } = await open(server);
    expect(await page.getByText("gpt-fake").first().isVisible()).toBe(true);
    const send = page.getByRole("button", { name: "Send" });
    expect(await send.isDisabled()).toBe(true);

    await ask(page, `Hello ${directive({ tokens: 40, delay: 15 })}`);
    expect(await box(page).inputValue()).toBe("");
    // While tokens arrive the log is busy, so screen readers wait for the finished answer.
    await page.locator('[role="log"][aria-busy="true"]').waitFor({ timeout: 5000 });
    await answerEnds(page, "done");
    await answerTextIs(page, fakeText({ tokens: 40 }));
    expect(await page.getAttribute('[role="log"]', "aria-busy")).toBe("false");
    expect(await page.locator('[data-role="user"] [data-text]').textContent()).toBe(`Hello ${directive({ tokens: 40, delay: 15 })}`);
    expect(upstream.stats.requests).toBe(requests + 1);
    expect(upstream.stats.completed).toBeGreaterThanOrEqual(1);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("Shift+Enter makes a new line instead of sending", async () => {
    const { context, page, foreign, problems } = await open(chat);
    const before = fake.stats.requests;
    await box(page).click();
    await page.keyboard.type("line one");
    await page.keyboard.press("Shift+Enter");
    await page.keyboard.type(`line two ${directive({ tokens: 3 })}`);
    expect(await box(page).inputValue()).toBe(`line one\nline two ${directive({ tokens: 3 })}`);
    expect(fake.stats.requests).toBe(before);

    await page.keyboard.press("Enter");
    await answerEnds(page, "done");
    expect(await page.locator('[data-role="user"] [data-text]').innerText()).toBe(`line one\nline two ${directive({ tokens: 3 })}`);
    await answerTextIs(page, fakeText({ tokens: 3 }));
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("Stop keeps the partial answer and cancels the upstream request within a second", async () => {
    const { context, page, foreign, problems } = await open(chat);
    const full = fakeText({ tokens: 300 });
    await ask(page, `Long one ${directive({ tokens: 300, delay: 30 })}`);
    await page.waitForFunction(() => (document.querySelector('[data-role="assistant"] [data-text]')?.textContent ?? "").length > 20);

    const cancelled = fake.stats.cancelled;
    await page.getByRole("button", { name: "Stop" }).click();
    const started = performance.now();
    await fake.waitForCancelled(cancelled + 1, 1000);
    expect(performance.now() - started).toBeLessThan(1000);

    await answerEnds(page, "stopped");
    await Bun.sleep(300); // the view draws once a frame: let it show all that arrived before Stop
    const partial = (await lastAnswerText(page)) ?? "";
    expect(partial.length).toBeGreaterThan(20);
    expect(partial.length).toBeLessThan(full.length);
    expect(full.startsWith(partial)).toBe(true);
    await Bun.sleep(300);
    expect(await lastAnswerText(page)).toBe(partial); // and nothing more arrives
    expect(await page.getByText("Stopped").isVisible()).toBe(true);
    expect(await page.getByRole("button", { name: "Send" }).isVisible()).toBe(true);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("auto-scroll follows the answer, lets go when the reader scrolls up, and resumes at the bottom", async () => {
    const { context, page, foreign, problems } = await open(chat, { viewport: { width: 800, height: 500 } });
    const scroll = () =>
      page.evaluate(() => {
        const s = document.querySelector('[role="log"]')!.parentElement!;
        return { top: s.scrollTop, gap: s.scrollHeight - s.scrollTop - s.clientHeight, height: s.scrollHeight };
      });
    await ask(page, `Scroll me ${directive({ tokens: 600, delay: 8 })}`);
    await page.waitForFunction(() => {
      const s = document.querySelector('[role="log"]')!.parentElement!;
      return s.scrollHeight > s.clientHeight + 400;
    });
    expect((await scroll()).gap).toBeLessThan(50);

    await page.mouse.move(400, 250);
    await page.mouse.wheel(0, -300);
    await Bun.sleep(300);
    const up = await scroll();
    expect(up.gap).toBeGreaterThan(200);
    await Bun.sleep(400);
    const later = await scroll();
    expect(later.height).toBeGreaterThan(up.height); // still streaming…
    expect(later.top).toBe(up.top); // …but the reader stays where they are
    await page.getByRole("button", { name: "Scroll to the latest message" }).waitFor();

    await page.mouse.wheel(0, 100_000);
    await Bun.sleep(400);
    expect((await scroll()).gap).toBeLessThan(50);
    await Bun.sleep(300);
    expect((await scroll()).gap).toBeLessThan(50);
    expect(await answers(page).last().getAttribute("data-status")).toBe("streaming");
    await page.getByRole("button", { name: "Stop" }).click();
    await answerEnds(page, "stopped");
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("an upstream error shows inline under the partial answer, and Retry completes it", async () => {
    const { context, page, foreign, problems } = await open(chat);
    const message = `Flaky ${directive({ tokens: 12, delay: 5, fail_after: 3, mode: "error", fail_times: 1 })}`;
    await ask(page, message);
    await answerEnds(page, "error");
    await answerTextIs(page, fakeText({ tokens: 3 }));
    const alert = answers(page).last().getByRole("alert");
    expect((await alert.textContent())?.length).toBeGreaterThan(10);
    await page.screenshot({ path: join(shots, "chat-error.png") });

    await alert.getByRole("button", { name: "Retry" }).click();
    await answerEnds(page, "done");
    expect(await answers(page).count()).toBe(1);
    await answerTextIs(page, fakeText({ tokens: 12 }));
    expect(await answers(page).last().getByRole("alert").count()).toBe(0);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("a reload keeps the conversation, and New chat clears it", async () => {
    const { context, page, foreign, problems } = await open(chat);
    await ask(page, `Remember ${directive({ tokens: 6 })}`);
    await answerEnds(page, "done");
    await ask(page, `And this ${directive({ tokens: 4 })}`);
    await answerEnds(page, "done");

    await page.reload();
    await answerEnds(page, "done");
    expect(await page.locator('[data-role="user"] [data-text]').allTextContents()).toEqual([
      `Remember ${directive({ tokens: 6 })}`,
      `And this ${directive({ tokens: 4 })}`,
    ]);
    expect(await answers(page).locator("[data-text]").allTextContents()).toEqual([fakeText({ tokens: 6 }), fakeText({ tokens: 4 })]);

    await page.getByRole("button", { name: "New chat" }).click();
    await page.getByText("How can I help?").waitFor();
    await page.reload();
    await page.getByText("How can I help?").waitFor();
    expect(await answers(page).count()).toBe(0);
    await closeAll(context, foreign, problems);
  }, 30_000);

  test("a reload mid-answer re-attaches and the answer completes exactly", async () => {
    const { context, page, foreign, problems } = await open(chat);
    const reattached: Array<{ url: string; lastEventId: string | undefined }> = [];
    page.on("request", (r) => {
      if (r.url().endsWith("/stream")) void r.allHeaders().then((h) => reattached.push({ url: r.url(), lastEventId: h["last-event-id"] }));
    });
    const requests = fake.stats.requests;
    await ask(page, `Long one ${directive({ tokens: 80, delay: 40 })}`);
    // Reload once the saved copy has text and the id of its last event (it is saved about once a second).
    for (let i = 0; !(await page.evaluate(savedWithEventId)); i++) {
      if (i > 100) throw new Error("the answer was never saved with its last event id");
      await Bun.sleep(50);
    }
    const before = (await lastAnswerText(page)) ?? "";
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(fakeText({ tokens: 80 }).length);

    await page.reload();
    // Back mid-answer, not as a failure: the page picks the answer up where its saved copy ended.
    await page.locator('[data-role="assistant"][data-status="streaming"]').waitFor({ timeout: 5000 });
    await answerEnds(page, "done", 15_000);
    await answerTextIs(page, fakeText({ tokens: 80 }));
    expect(reattached.length).toBe(1);
    expect(Number(reattached[0]!.lastEventId)).toBeGreaterThan(0);
    expect(fake.stats.requests).toBe(requests + 1); // the model was asked once: nothing re-generated

    await page.reload();
    await answerEnds(page, "done");
    await answerTextIs(page, fakeText({ tokens: 80 }));
    await closeAll(context, foreign, problems);
  }, 40_000);

  test("with CHAT_AUTH_TOKEN the page asks for the token once, says when it is wrong, then chats", async () => {
    const tokenBox = (page: Page) => page.getByRole("textbox", { name: "Access token", exact: true });
    const { context, page, foreign, problems } = await open(locked, { viewport: { width: 1100, height: 760 } }, (p) =>
      tokenBox(p).waitFor(),
    );
    const sent: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/api/")) sent.push(`${r.method()} ${r.url()} ${r.headers()["authorization"] ?? "-"}`);
    });
    expect(await box(page).count()).toBe(0);
    expect(await page.getByRole("form", { name: "This chat needs an access token" }).isVisible()).toBe(true);
    expect(await tokenBox(page).evaluate((e) => document.activeElement === e)).toBe(true);
    expect(await tokenBox(page).getAttribute("type")).toBe("password");
    await page.screenshot({ path: join(shots, "chat-token.png") });

    await tokenBox(page).fill("not-the-token");
    await page.getByRole("button", { name: "Unlock" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("The access token is wrong.");
    expect(await tokenBox(page).getAttribute("aria-invalid")).toBe("true");
    await page.screenshot({ path: join(shots, "chat-token-wrong.png") });

    await tokenBox(page).fill(TOKEN);
    await tokenBox(page).press("Enter");
    await box(page).waitFor();
    await ask(page, `Unlocked ${directive({ tokens: 8, delay: 10 })}`);
    await answerEnds(page, "done");
    await answerTextIs(page, fakeText({ tokens: 8 }));
    expect(sent.some((r) => r.startsWith("POST") && r.endsWith(`Bearer ${TOKEN}`))).toBe(true);
    expect(sent.every((r) => !r.split(" ")[1]!.includes(TOKEN))).toBe(true); // never in a URL

    await page.reload();
    await box(page).waitFor();
    expect(await tokenBox(page).count()).toBe(0);
    expect(await page.getByText("gpt-fake").first().isVisible()).toBe(true);

    // The server's token changed: the next call is refused, and the page asks again, saying why.
    await page.evaluate(() => localStorage.setItem("chat.token.v1", "an-old-token"));
    await page.reload();
    await tokenBox(page).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("saved access token was not accepted");
    expect(await page.evaluate(() => localStorage.getItem("chat.token.v1"))).toBeNull();
    await context.close();
    expect(foreign).toEqual([]);
    // Chromium logs every refused request ("status of 401") as a console error; those are expected here.
    expect(problems.filter((p) => !p.includes("status of 401"))).toEqual([]);
  }, 30_000);

  test("without an API key the page says what to set instead of offering a chat", async () => {
    const { context, page, foreign, problems } = await open(keyless);
    const notice = page.getByRole("alert");
    await notice.waitFor();
    expect(await notice.textContent()).toContain("OPENAI_API_KEY");
    expect(await box(page).isDisabled()).toBe(true);
    await page.screenshot({ path: join(shots, "chat-no-key.png") });
    await closeAll(context, foreign, problems);
  }, 30_000);

  for (const [name, options] of [
    ["light", { viewport: { width: 1100, height: 760 }, colorScheme: "light" }],
    ["dark", { viewport: { width: 1100, height: 760 }, colorScheme: "dark" }],
    ["phone", { viewport: { width: 375, height: 720 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }],
  ] as const) {
    test(`screenshot: a streamed conversation (${name})`, async () => {
      const { context, page, foreign, problems } = await open(showcase.chat, options);
      await page.screenshot({ path: join(shots, `chat-empty-${name}.png`) });
      await ask(page, "How do you stream an LLM answer to the browser?");
      await answerEnds(page, "done");
      // The sample is markdown: a reader sees a three-item list with inline code, not the markers.
      const last = answers(page).last();
      expect(await last.locator("ol > li").count()).toBe(3);
      expect(await last.locator("li code").first().textContent()).toBe("data:");
      await ask(page, "And if the connection drops halfway?");
      await page.waitForFunction(
        () => (document.querySelector('[data-role="assistant"]:last-child [data-text]')?.textContent ?? "").length > 120,
      );
      await page.screenshot({ path: join(shots, `chat-streaming-${name}.png`) });
      // The page kept following the answer as it grew (no "scroll to latest" offered).
      expect(await page.getByRole("button", { name: "Scroll to the latest message" }).count()).toBe(0);
      await answerEnds(page, "done");
      // Nothing may overflow sideways on a narrow phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(options.viewport.width);
      await page.screenshot({ path: join(shots, `chat-${name}.png`) });
      await closeAll(context, foreign, problems);
    }, 30_000);
  }
});
