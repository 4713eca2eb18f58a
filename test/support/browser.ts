import { afterAll, beforeAll } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, type Page, chromium } from "playwright-core";
import { type ChatServer, startChat } from "./chat-server.ts";
import { type FakeOpenAI, startFakeOpenAI } from "./fake-openai.ts";
import { startFakeResponses } from "./fake-responses.ts";

const root = join(import.meta.dir, "..", "..");
export const CHROMIUM = "/usr/bin/chromium";
/** Where browser tests leave screenshots (gitignored) for a person to look at. */
export const SHOTS = join(root, "test-results");

/** True when Debian's chromium is installed; in CI its absence is an error, not a skip. */
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: the browser tests need it (apt-get install chromium).`);
}

/** Builds the executable into a fresh temp folder, as a user gets it. */
export async function buildBinary(prefix: string): Promise<{ dir: string; binary: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const binary = join(dir, "chat");
  const build = Bun.spawn([process.execPath, "src/build.ts", binary], { cwd: root, stdout: "pipe", stderr: "pipe" });
  if ((await build.exited) !== 0) throw new Error(`build failed:\n${await new Response(build.stderr).text()}`);
  mkdirSync(SHOTS, { recursive: true });
  return { dir, binary };
}

/** Headless Chromium with the flags this machine needs (no sandbox as root, no network of its own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-quic",
      "--disable-sync",
    ],
  });
}

/** What a browser suite talks to: the compiled binary against a fake upstream, and Chromium. */
export interface BrowserSuite {
  /** A temp folder of the suite's own (removed at the end): downloads and such may go here. */
  dir: string;
  fake: FakeOpenAI;
  chat: ChatServer;
  browser: Browser;
}

/** The upstream protocols a browser suite can run over (`CHAT_UPSTREAM_API`), for `describe.each`. */
export const UPSTREAM_APIS = [{ api: "chat" }, { api: "responses" }] as const;

/**
 * Registers the suite's set-up and tear-down: builds the binary, starts the fake upstream and the chat
 * (with `env` on top of the key, base URL and model), launches Chromium; `ready` receives them. With
 * `CHAT_UPSTREAM_API: "responses"` in `env` the fake speaks the Responses API (fake-responses.ts),
 * else Chat Completions.
 */
export function useBrowserSuite(prefix: string, ready: (suite: BrowserSuite) => void, env: Record<string, string> = {}): void {
  let dir: string | undefined;
  let suite: Partial<BrowserSuite> = {};
  beforeAll(async () => {
    const built = await buildBinary(prefix);
    dir = built.dir;
    const fake = env.CHAT_UPSTREAM_API === "responses" ? startFakeResponses() : startFakeOpenAI();
    suite = { fake };
    const chatEnv = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-fake", ...env };
    const [chat, browser] = await Promise.all([startChat({ binary: built.binary, env: chatEnv }), launchChromium()]);
    suite = { dir: built.dir, fake, chat, browser };
    ready({ dir: built.dir, fake, chat, browser });
  }, 60_000);
  afterAll(async () => {
    await suite.browser?.close();
    await suite.chat?.stop();
    await suite.fake?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
}

export interface OpenPage {
  context: BrowserContext;
  page: Page;
  /** Requests that left our origin: a test expects none. */
  foreign: string[];
  /** Page errors and console errors. */
  problems: string[];
}

/**
 * A fresh browser profile on the page. Resolves once `ready` holds (by default: the message box is
 * there); every request to another origin and every console error is recorded.
 */
export async function openPage(
  browser: Browser,
  url: string,
  options: Parameters<Browser["newContext"]>[0] = {},
  ready: (page: Page) => Promise<void> = (page) => page.getByRole("textbox", { name: "Message" }).waitFor(),
): Promise<OpenPage> {
  const context = await browser.newContext(options);
  const foreign: string[] = [];
  const problems: string[] = [];
  context.on("request", (r) => {
    if (!r.url().startsWith(url)) foreign.push(r.url());
  });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(m.text());
  });
  await page.goto(url);
  await ready(page);
  return { context, page, foreign, problems };
}
