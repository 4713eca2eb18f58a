import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import type { Browser, Page } from "playwright-core";
import { hasChromium, openPage, useBrowserSuite } from "../support/browser.ts";
import type { ChatServer } from "../support/chat-server.ts";
import { type FakeOpenAI, directive } from "../support/fake-openai.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
let browser: Browser;
/** Screenshots to look at; in /tmp, never in the repository. */
const SHOTS = process.env.ATTACHMENT_SHOTS ?? "/tmp";

type Part = { type: string; text?: string; image_url?: { url: string } };

/** A `width`×`height` PNG of colour bands, made here so the test needs no image file. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Uint8Array) => {
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    out.write(type, 4, "latin1");
    out.set(data, 8);
    out.writeUInt32BE(Bun.hash.crc32(out.subarray(4, 8 + data.length)) >>> 0, 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) rows.set([(x * 255) / width, (y * 255) / height, 160], y * (width * 3 + 1) + 1 + x * 3);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk("IHDR", header), chunk("IDAT", deflateSync(rows)) /* zlib format, which PNG needs (Bun.deflateSync is raw) */, chunk("IEND", new Uint8Array())]);
}

/** A PNG data: URL's width and height, read from its header. */
function pngSize(url: string): { width: number; height: number } {
  const b = Buffer.from(url.slice(url.indexOf(",") + 1), "base64");
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

const lastUserParts = (): Part[] => {
  const messages = fake.bodies.at(-1)!.messages as { role: string; content: string | Part[] }[];
  const content = messages.findLast((m) => m.role === "user")!.content;
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
};

describe.skipIf(!hasChromium)("attachments in a real browser (compiled binary)", () => {
  useBrowserSuite("chat-e2e-attachments-", (s) => ({ fake, chat, browser } = s));

  const box = (page: Page) => page.getByRole("textbox", { name: "Message" });
  const picker = (page: Page) => page.locator('form input[type="file"]');
  const tray = (page: Page) => page.locator("form [data-attachments]");
  const sent = (page: Page) => page.locator('[data-role="user"]').last();
  const answerDone = (page: Page) => page.locator('[data-role="assistant"][data-status="done"]').last().waitFor({ timeout: 10_000 });

  async function ask(page: Page, text: string) {
    await box(page).fill(text);
    await box(page).press("Enter");
  }

  test("a PNG and a .ts file by the paperclip go upstream as one image_url part (scaled to 2048 px) and one text part, and stay after a reload", async () => {
    const { context, page, foreign, problems } = await openPage(browser, chat.url, { viewport: { width: 1000, height: 760 } });
    await page.getByRole("button", { name: "Attach files" }).waitFor();
    await picker(page).setInputFiles([
      { name: "wide.png", mimeType: "image/png", buffer: png(3000, 1000) },
      { name: "util.ts", mimeType: "video/mp2t", buffer: Buffer.from("export const add = (a: number, b: number) => a + b;\n") },
    ]);
    await tray(page).locator("img").waitFor();
    await tray(page).locator('[data-attachment="text"]').waitFor();
    expect(await tray(page).locator('[data-attachment="text"]').textContent()).toMatch(/^util\.ts\d+ B$/);
    expect(await page.getByRole("button", { name: "Remove wide.png" }).isVisible()).toBe(true);
    await page.screenshot({ path: join(SHOTS, "attachments-composer.png") });

    const before = fake.bodies.length;
    await ask(page, `What is in these? ${directive({ tokens: 4 })}`);
    await answerDone(page);
    expect(fake.bodies.length).toBe(before + 1);
    const parts = lastUserParts();
    expect(parts.map((p) => p.type)).toEqual(["text", "image_url", "text"]);
    expect(parts.filter((p) => p.type === "image_url").length).toBe(1);
    const url = parts[1]!.image_url!.url;
    expect(url).toStartWith("data:image/png;base64,");
    expect(pngSize(url)).toEqual({ width: 2048, height: 683 });
    expect(parts[2]!.text).toBe("File: util.ts\n```ts\nexport const add = (a: number, b: number) => a + b;\n```");
    // The composer is empty again; the sent message shows its files.
    expect(await tray(page).count()).toBe(0);
    await sent(page).locator("[data-attachments] img").waitFor();
    expect(await sent(page).locator('[data-attachment="text"]').textContent()).toContain("util.ts");
    await page.screenshot({ path: join(SHOTS, "attachments-sent.png") });

    await page.reload();
    await sent(page).locator("[data-attachments] img").waitFor();
    const loaded = await sent(page).locator("[data-attachments] img").evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth);
    expect(loaded).toBe(2048);
    expect(await sent(page).locator('[data-attachment="text"]').textContent()).toContain("util.ts");
    await page.screenshot({ path: join(SHOTS, "attachments-reloaded.png") });
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 60_000);

  test("a long paste becomes a text file chip that can be removed; a short one is left to the box", async () => {
    const { context, page, problems } = await openPage(browser, chat.url);
    const paste = (text: string) =>
      box(page).evaluate((el, text) => {
        const data = new DataTransfer();
        data.setData("text/plain", text);
        return el.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      }, text);
    await page.getByRole("button", { name: "Attach files" }).waitFor();
    await page.waitForFunction(() => document.querySelector('form input[type="file"]')); // the files chunk is mounted
    expect(await paste("short")).toBe(true); // not taken: the browser pastes it
    expect(await paste("log line\n".repeat(400))).toBe(false);
    await tray(page).locator('[data-attachment="text"]').waitFor();
    expect(await tray(page).locator('[data-attachment="text"]').textContent()).toBe("pasted-1.txt3.5 KB");
    expect(await box(page).inputValue()).toBe("");
    await page.screenshot({ path: join(SHOTS, "attachments-pasted.png") });

    await page.getByRole("button", { name: "Remove pasted-1.txt" }).click();
    expect(await tray(page).count()).toBe(0);
    await context.close();
    expect(problems).toEqual([]);
  }, 30_000);

  test("files dropped on the page are attached; a binary file and a PDF are refused, saying why", async () => {
    const { context, page, problems } = await openPage(browser, chat.url);
    await page.waitForFunction(() => document.querySelector('form input[type="file"]'));
    const notPrevented = await page.evaluate(() => {
      const data = new DataTransfer();
      data.items.add(new File(["# Notes\n\n- one\n"], "notes.md", { type: "text/markdown" }));
      data.items.add(new File([new Uint8Array([0, 1, 2, 255, 254])], "blob.bin"));
      data.items.add(new File(["%PDF-1.7\n"], "paper.pdf", { type: "application/pdf" }));
      return document.querySelector("main, [data-role], body")!.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
    });
    expect(notPrevented).toBe(false); // the browser does not open the file in place of the page
    await tray(page).locator('[data-attachment="text"]').waitFor();
    expect(await tray(page).locator("[data-attachment]").count()).toBe(1);
    const alert = tray(page).getByRole("alert");
    expect(await alert.textContent()).toBe(
      "blob.bin is not an image or a text file, so it cannot be sent.paper.pdf: PDF text extraction is not supported yet; paste the text instead.",
    );
    await page.screenshot({ path: join(SHOTS, "attachments-dropped.png") });

    await ask(page, `Summarise ${directive({ tokens: 3 })}`);
    await answerDone(page);
    expect(lastUserParts().map((p) => p.text)).toEqual([`Summarise ${directive({ tokens: 3 })}`, "File: notes.md\n```md\n# Notes\n\n- one\n```"]);
    await context.close();
    expect(problems).toEqual([]);
  }, 30_000);

  test("a model that cannot see: the error says so, the message keeps its image, and Retry and Edit send it again", async () => {
    const { context, page } = await openPage(browser, chat.url, { viewport: { width: 1000, height: 760 } });
    await picker(page).setInputFiles([{ name: "dot.png", mimeType: "image/png", buffer: png(40, 40) }]);
    await tray(page).locator("img").waitFor();
    await ask(page, `Look ${directive({ blind: 1 })}`);
    const error = page.locator('[data-role="assistant"][data-status="error"]').last();
    await error.waitFor({ timeout: 10_000 });
    expect(await error.getByRole("alert").textContent()).toMatch(/gpt-fake.*(image|see)/i);
    expect(await sent(page).locator("[data-attachments] img").count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, "attachments-blind.png") });

    const before = fake.bodies.length;
    await page.getByRole("button", { name: "Retry" }).click();
    await error.waitFor({ timeout: 10_000 });
    while (fake.bodies.length === before) await Bun.sleep(20);
    expect(lastUserParts().map((p) => p.type)).toEqual(["text", "image_url"]);

    // As if on a model that sees: the edited question keeps the image.
    await sent(page).hover();
    await page.getByRole("button", { name: "Edit message" }).click();
    const editor = page.getByRole("textbox", { name: "Edit message" });
    await editor.fill(`Look again ${directive({ tokens: 3 })}`);
    await editor.press("Enter");
    await answerDone(page);
    expect(lastUserParts().map((p) => p.type)).toEqual(["text", "image_url"]);
    expect(await sent(page).locator("[data-attachments] img").count()).toBe(1);
    await context.close();
  }, 30_000);

  test("storage full: the message is kept without its largest file, and the page says so", async () => {
    const context = await browser.newContext();
    // A browser with little room: any record over 100 KB is refused as QuotaExceededError.
    await context.addInitScript(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (value: unknown, key?: IDBValidKey) {
        if (JSON.stringify(value).length > 100_000) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        return put.call(this, value, key);
      };
    });
    const page = await context.newPage();
    await page.goto(chat.url);
    await picker(page).setInputFiles([
      { name: "big.log", mimeType: "text/plain", buffer: Buffer.from("a log line that repeats\n".repeat(8000)) },
      { name: "small.txt", mimeType: "text/plain", buffer: Buffer.from("small\n") },
    ]);
    await tray(page).locator('[data-attachment="text"]').nth(1).waitFor();
    await ask(page, `Read these ${directive({ tokens: 3 })}`);
    await answerDone(page);
    const notice = tray(page).getByRole("alert");
    await notice.waitFor();
    expect(await notice.textContent()).toBe("big.log was too large to keep in this browser's storage; the message was kept without it.");
    await page.screenshot({ path: join(SHOTS, "attachments-quota.png") });

    await page.reload();
    await sent(page).locator("[data-attachment]").nth(1).waitFor();
    expect(await sent(page).locator("[data-attachment]").allTextContents()).toEqual(["big.lognot kept", expect.stringMatching(/^small\.txt6 B$/)]);
    await context.close();
  }, 30_000);
});
