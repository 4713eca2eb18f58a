/**
 * A long answer in a real browser: the fake upstream streams a ~20,000-token markdown answer (headings,
 * paragraphs, lists, code fences, tables, one long fence) with no delay, through dist/chat, into headless
 * Chromium. A PerformanceObserver counts the main thread's long tasks (> 50 ms) while it streams.
 *
 *   bun bench/long-answer.ts                 3 runs, each in a fresh browser profile
 *   bun bench/long-answer.ts --runs 5
 *   bun bench/long-answer.ts --binary B      measure this prebuilt executable instead of building one
 *   bun bench/long-answer.ts --smoke         one short answer; checks it renders completely, never timing
 *   bun bench/long-answer.ts --reasoning     the same text as the model's thinking (reasoning_content), then a short answer
 *
 * Exit 1 when an answer is not rendered completely (or the harness fails); the long-task figures are
 * printed and compared with the goal, never enforced: a busy machine makes them noisy.
 */
import { rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { buildBinary, hasChromium, launchChromium, openPage } from "../test/support/browser.ts";
import { type ChatServer, startChat } from "../test/support/chat-server.ts";
import { type FakeOpenAI, fakeTokens, startFakeOpenAI } from "../test/support/fake-openai.ts";
import { longAnswer } from "../test/support/long-answer.ts";
import { fmt, percentile } from "./report.ts";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const smoke = args.includes("--smoke");
const runs = smoke ? 1 : Number(option("--runs") ?? 3);
const targetTokens = smoke ? 2_000 : Number(option("--tokens") ?? 20_000);
/** The long text arrives as thinking, drawn by the same view inside the answer's <details>. */
const reasoning = args.includes("--reasoning");
/** Chromium's definition of a long task, and the issue's goal for the longest one. */
const GOAL_MS = 50;
/** No run may take longer than this, however slow the machine. */
const RUN_TIMEOUT_MS = 120_000;
/** After the answer ends, the rest of it must be on screen within this. */
const RENDER_TIMEOUT_MS = 10_000;

/** What the page records: long tasks, long animation frames (with the scripts that ran in them), and the answer's milestones. */
interface PageRecord {
  tasks: { start: number; duration: number }[];
  frames: { start: number; duration: number; scripts: string[] }[];
  first?: number;
  done?: number;
}

interface RunResult {
  longTasks: number[];
  /** Each long animation frame after sending: its length and what ran in it (Chromium's LoAF API). */
  longFrames: string[];
  /** Long tasks while the page loaded, before the message was sent (not part of the figure). */
  loadLongTasks: number;
  firstTextMs: number;
  doneMs: number;
  /** When the DOM check first passed (to within 50 ms): the whole answer on screen. */
  renderedMs: number;
  problems: string[];
}

/** In the page before sending: long tasks (buffered, so none is missed) and when the answer starts and ends. */
function observe() {
  const w = window as unknown as { __bench: PageRecord };
  w.__bench = { tasks: [], frames: [] };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) w.__bench.tasks.push({ start: e.startTime, duration: e.duration });
  }).observe({ type: "longtask", buffered: true });
  // Long animation frames name the scripts that ran in them: where a long task came from.
  type Script = { invoker: string; sourceFunctionName: string; duration: number };
  new PerformanceObserver((list) => {
    type Frame = { startTime: number; duration: number; renderStart: number; styleAndLayoutStart: number; scripts: Script[] };
    for (const e of list.getEntries() as unknown as Frame[]) {
      const end = e.startTime + e.duration;
      const scripts = e.scripts.filter((x) => x.duration >= 5).map((x) => `${x.invoker}${x.sourceFunctionName ? ` ${x.sourceFunctionName}` : ""} ${Math.round(x.duration)}`);
      // The frame's rendering: animation-frame callbacks from renderStart, then style and layout (and paint).
      if (e.renderStart > 0) scripts.push(`rendering ${Math.round(end - e.renderStart)} (style+layout+paint ${Math.round(end - e.styleAndLayoutStart)})`);
      w.__bench.frames.push({ start: e.startTime, duration: e.duration, scripts });
    }
  }).observe({ type: "long-animation-frame", buffered: true });
  new MutationObserver(() => {
    const answer = document.querySelector('[data-role="assistant"]');
    if (!answer) return;
    if (w.__bench.first === undefined && answer.querySelector("[data-text]")?.textContent) w.__bench.first = performance.now();
    if (w.__bench.done === undefined && answer.getAttribute("data-status") === "done") w.__bench.done = performance.now();
  }).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
}

/** What the finished answer must show: every block rendered, no markdown left as text. */
async function checkRendered(page: Page, expected: { fences: number; tables: number; headings: number; last: string }) {
  const got = await page.evaluate(() => {
    // The first view in the answer: with --reasoning, the thinking's (it comes before the answer's).
    const md = document.querySelector('[data-role="assistant"] [data-markdown]')!;
    return {
      ready: md.getAttribute("data-markdown"),
      fences: md.querySelectorAll("pre > code").length,
      tables: md.querySelectorAll("table").length,
      headings: md.querySelectorAll("h1, h2").length,
      text: md.textContent ?? "",
    };
  });
  const problems: string[] = [];
  if (got.ready !== "ready") problems.push(`markdown renderer state ${got.ready}`);
  for (const key of ["fences", "tables", "headings"] as const) {
    if (got[key] !== expected[key]) problems.push(`${key}: ${got[key]} rendered, ${expected[key]} expected`);
  }
  if (!got.text.trimEnd().endsWith(expected.last)) problems.push(`the answer does not end with "${expected.last}"`);
  if (/```|\| --- \||^## /m.test(got.text)) problems.push("markdown syntax left as text");
  return problems;
}

async function runOnce(browser: Browser, url: string, expected: Parameters<typeof checkRendered>[1]): Promise<RunResult> {
  const { context, page, problems } = await openPage(browser, url, { viewport: { width: 1100, height: 800 } });
  try {
    // As a person would: the page has settled (its idle-time fetches done) before they send.
    await page.waitForLoadState("networkidle");
    await page.evaluate(observe);
    const box = page.getByRole("textbox", { name: "Message" });
    await box.fill("Write the long guide to the relay.");
    const sentAt = await page.evaluate(() => performance.now());
    await box.press("Enter");
    await page.locator('[data-role="assistant"][data-status="done"]').waitFor({ timeout: RUN_TIMEOUT_MS });
    // A backlog is rendered a few frames at a time, so the last blocks may land after the status changes.
    let rendered = await checkRendered(page, expected);
    for (const until = performance.now() + RENDER_TIMEOUT_MS; rendered.length > 0 && performance.now() < until; ) {
      await page.waitForTimeout(50);
      rendered = await checkRendered(page, expected);
    }
    const renderedAt = await page.evaluate(() => performance.now());
    // Let the last frames' long tasks be reported.
    await page.waitForTimeout(300);
    const b = await page.evaluate(() => (window as unknown as { __bench: PageRecord }).__bench);
    const during = b.tasks.filter((t) => t.start >= sentAt);
    return {
      longTasks: during.map((t) => t.duration),
      longFrames: b.frames
        .filter((f) => f.start >= sentAt && f.duration > GOAL_MS)
        .map((f) => `${Math.round(f.duration)} ms at +${Math.round(f.start - sentAt)} ms: ${f.scripts.join(", ")}`),
      loadLongTasks: b.tasks.length - during.length,
      firstTextMs: (b.first ?? Number.NaN) - sentAt,
      doneMs: (b.done ?? Number.NaN) - sentAt,
      renderedMs: renderedAt - sentAt,
      problems: [...problems, ...rendered],
    };
  } finally {
    await context.close();
  }
}

async function main(): Promise<number> {
  if (!hasChromium) throw new Error("needs Debian's chromium (/usr/bin/chromium)");
  const text = longAnswer(targetTokens);
  const tokens = fakeTokens({ tokens: 0, text }).length;
  const expected = {
    fences: (text.match(/^```\w/gm) ?? []).length,
    tables: (text.match(/^\| --- /gm) ?? []).length,
    headings: (text.match(/^#{1,2} /gm) ?? []).length,
    last: "the last paragraph of a long answer.",
  };
  const prebuilt = option("--binary");
  const work = prebuilt ? undefined : await buildBinary("chat-bench-long-");
  const binary = prebuilt ?? work!.binary;
  let fake: FakeOpenAI | undefined;
  let chat: ChatServer | undefined;
  let browser: Browser | undefined;
  const load0 = loadavg();
  try {
    fake = startFakeOpenAI(reasoning ? { reasoning_text: text, text: "Done.", delay: 0 } : { text, delay: 0 });
    [chat, browser] = await Promise.all([
      startChat({ binary, env: { OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-fake" } }),
      launchChromium(),
    ]);
    console.log(
      `long ${reasoning ? "thinking" : "answer"}: ${tokens} tokens, ${(text.length / 1024).toFixed(0)} KB of markdown (${expected.fences} code fences, ${expected.tables} tables); ` +
        `Bun ${Bun.version}, Chromium ${browser.version()}, ${cpus().length} × ${cpus()[0]?.model ?? "?"}`,
    );
    const results: RunResult[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await runOnce(browser, chat.url, expected);
      results.push(r);
      const total = r.longTasks.reduce((s, d) => s + d, 0);
      console.log(
        `run ${i + 1}: streamed in ${fmt(r.doneMs)} ms (first text ${fmt(r.firstTextMs)} ms, all rendered ${fmt(r.renderedMs)} ms); long tasks ${r.longTasks.length}, ` +
          `max ${fmt(Math.max(0, ...r.longTasks))} ms, total ${fmt(total)} ms; during page load ${r.loadLongTasks}` +
          (r.problems.length ? `\n  PROBLEMS: ${r.problems.join("; ")}` : "; fully rendered") +
          r.longFrames.map((f) => `\n  long frame ${f}`).join(""),
      );
    }
    const load1 = loadavg();
    const maxes = results.map((r) => Math.max(0, ...r.longTasks));
    const median = (xs: number[]) => percentile(xs, 0.5);
    console.log(
      `\nmedian of ${runs}: longest task ${fmt(median(maxes))} ms (goal ≤ ${GOAL_MS}: ${median(maxes) <= GOAL_MS ? "met" : "NOT met"}), ` +
        `long tasks ${fmt(median(results.map((r) => r.longTasks.length)))}, ` +
        `long-task time ${fmt(median(results.map((r) => r.longTasks.reduce((s, d) => s + d, 0))))} ms, ` +
        `stream time ${fmt(median(results.map((r) => r.doneMs)))} ms, all rendered ${fmt(median(results.map((r) => r.renderedMs)))} ms\n` +
        `load average ${load0.map((l) => l.toFixed(2)).join(" ")} → ${load1.map((l) => l.toFixed(2)).join(" ")}`,
    );
    const failed = results.flatMap((r) => r.problems);
    return failed.length > 0 ? 1 : 0;
  } finally {
    await browser?.close();
    await chat?.stop();
    await fake?.stop();
    if (work) rmSync(work.dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  // However the browser behaves, the benchmark ends.
  const guard = setTimeout(() => {
    console.error("long-answer: timed out");
    process.exit(1);
  }, (runs + 1) * RUN_TIMEOUT_MS + 60_000);
  guard.unref();
  const code = await main().catch((err: unknown) => {
    console.error(`long-answer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return 1;
  });
  console.log(code === 0 ? "long-answer: OK" : "long-answer: FAILED");
  process.exit(code);
}
