import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import { CHROMIUM, hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";

let chat: ChatServer;
let browser: Browser;

/** A screenshot for a person to look at, outside the repository. */
const SHOT = "/tmp/chat-pwa-offline.png";

describe.skipIf(!hasChromium)("the page is an installable web app (compiled binary)", () => {
  useBrowserSuite("chat-e2e-pwa-", (s) => ({ chat, browser } = s));

  test("Chromium's installability check finds no errors; the service worker controls the page after a reload", async () => {
    // Not the suite's browser: its contexts are incognito, where Chromium offers no install at all
    // (the check answers "in-incognito" and stops there). A profile on disk, like a user's.
    const profile = mkdtempSync(join(tmpdir(), "chat-e2e-pwa-profile-"));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    });
    const foreign: string[] = [];
    const problems: string[] = [];
    context.on("request", (r) => void (r.url().startsWith(chat.url) || foreign.push(r.url())));
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => void (m.type() === "error" && problems.push(m.text())));
    await page.goto(chat.url);
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const cdp = await context.newCDPSession(page);
    const { installabilityErrors } = (await cdp.send("Page.getInstallabilityErrors")) as { installabilityErrors: unknown[] };
    expect(installabilityErrors).toEqual([]);
    const { errors, url } = (await cdp.send("Page.getAppManifest")) as { errors: unknown[]; url: string };
    expect(errors).toEqual([]);
    expect(url).toMatch(/\/manifest-[a-z0-9]{8}\.webmanifest$/);
    // The check is not one that passes anything: a page without a manifest fails it.
    const other = await context.newPage();
    await other.goto(`${chat.url}/healthz`);
    const control = (await (await context.newCDPSession(other)).send("Page.getInstallabilityErrors")) as { installabilityErrors: Array<{ errorId: string }> };
    expect(control.installabilityErrors.map((e) => e.errorId)).toContain("no-manifest");
    await other.close();

    await page.reload();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${chat.url}/sw.js`);
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }, 30_000);

  test("offline, the cached shell opens and says it cannot reach the server; /api/* is never answered from a cache", async () => {
    const { context, page } = await openPage(browser, chat.url);
    await page.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    await page.reload();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    // Online, the API answers (and these answers are what a worker that cached them would replay).
    expect(await page.evaluate(() => fetch("/api/status").then((r) => r.status))).toBe(200);

    await context.setOffline(true);
    await page.reload();
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    await page.getByText("Could not reach the chat server").first().waitFor({ timeout: 10_000 });
    await page.screenshot({ path: SHOT });
    const api = await page.evaluate(() =>
      fetch("/api/status").then(
        (r) => `answered ${r.status}`,
        () => "failed",
      ),
    );
    expect(api).toBe("failed");
    // The worker's own requests are offline too (so the page above came from its cache, not the server):
    // a file it has not cached fails instead of answering the server's 404.
    expect(await page.evaluate(() => fetch("/chunk-notthere.js").then((r) => `answered ${r.status}`, () => "failed"))).toBe("failed");
    const cached = await page.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(new URL(req.url).pathname);
      return urls;
    });
    expect(cached).toContain("/");
    expect(cached.filter((p) => p.startsWith("/api/"))).toEqual([]);

    await context.setOffline(false);
    await page.reload();
    await page.getByText("Could not reach the chat server").first().waitFor({ state: "detached", timeout: 10_000 });
    await context.close();
  }, 30_000);
});
