import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChat } from "./support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "./support/fake-openai.ts";
import { postChat, readSse, userSays } from "./support/sse.ts";

const root = join(import.meta.dir, "..");
let fake: FakeOpenAI;
let dir: string;
let binary: string;

beforeAll(async () => {
  fake = startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), "chat-bin-"));
  binary = join(dir, "chat");
  const build = Bun.spawnSync([process.execPath, "src/build.ts", binary], { cwd: root, stderr: "pipe" });
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`);
}, 60_000);
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL });

describe("graceful shutdown", () => {
  test("SIGTERM stops new connections but lets an open stream finish, then exits 0", async () => {
    const chat = await startChat({ env: env() });
    const res = await postChat(chat.url, userSays(directive({ tokens: 15, delay: 40 })));
    const reading = readSse(res);
    await Bun.sleep(100);
    const exited = chat.stop("SIGTERM");
    await Bun.sleep(100);
    await expect(fetch(`${chat.url}/healthz`)).rejects.toThrow();
    const s = await reading;
    expect(s.text).toBe(fakeText({ tokens: 15 }));
    expect(s.done).toBe(true);
    expect(await exited).toBe(0);
  });

  test("a stream still open when the grace period ends gets a clear error event", async () => {
    const chat = await startChat({ env: { ...env(), CHAT_SHUTDOWN_GRACE_MS: "300" } });
    const res = await postChat(chat.url, userSays(directive({ tokens: 200, delay: 30 })));
    const reading = readSse(res);
    await Bun.sleep(150);
    const exited = chat.stop("SIGINT");
    const s = await reading;
    expect(s.text.length).toBeGreaterThan(0);
    expect(s.error).toMatchObject({ type: "server_shutting_down", status: 503 });
    expect(await exited).toBe(0);
  });
});

describe("configuration", () => {
  test("a bad PORT exits 1 with a one-line message", async () => {
    const proc = Bun.spawn([process.execPath, "src/main.ts"], { cwd: root, env: { PATH: process.env.PATH ?? "", PORT: "abc" }, stderr: "pipe" });
    expect(await proc.exited).toBe(1);
    const err = (await new Response(proc.stderr).text()).trim();
    expect(err).toBe('chat: PORT="abc" is not an integer from 0 to 65535');
  });

  test("a port already in use exits 1 with a one-line message", async () => {
    const taken = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    try {
      const proc = Bun.spawn([process.execPath, "src/main.ts"], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", PORT: String(taken.port), BUN_CONFIG_MAX_HTTP_REQUESTS: "100", CHAT_HISTORY: "off" },
        stderr: "pipe",
      });
      expect(await proc.exited).toBe(1);
      expect(await new Response(proc.stderr).text()).toContain(`cannot listen on 127.0.0.1:${taken.port}`);
    } finally {
      taken.stop(true);
    }
  });
});

describe("the compiled executable", () => {
  test("--version and --help work", () => {
    const version = Bun.spawnSync([binary, "--version"], { cwd: dir });
    expect(version.stdout.toString()).toMatch(/^chat \d+\.\d+\.\d+/);
    const help = Bun.spawnSync([binary, "--help"], { cwd: dir });
    expect(help.exitCode).toBe(0);
    expect(help.stdout.toString()).toContain("OPENAI_BASE_URL");
  });

  test("runs from an empty folder with no node_modules: page, health and a streamed chat", async () => {
    const chat = await startChat({ binary, env: env(), withoutFetchCapEnv: true });
    try {
      expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
      const html = await (await fetch(`${chat.url}/`)).text();
      const script = /src="(\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      const js = await fetch(`${chat.url}${script}`);
      expect(js.status).toBe(200);
      const s = await readSse(await postChat(chat.url, userSays(directive({ tokens: 4 }))));
      expect(s.text).toBe(fakeText({ tokens: 4 }));
    } finally {
      await chat.stop();
    }
  });
});
