/**
 * Started without BUN_CONFIG_MAX_HTTP_REQUESTS, the server lifts Bun's 256-request fetch cap by
 * exec'ing itself with it set (src/fetch-cap.ts): ONE process, the PID that was spawned, no child.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { hostBinary } from "./support/built-binary.ts";
import { startChat, type ChatServer } from "./support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "./support/fake-openai.ts";
import { postChat, readSse, userSays } from "./support/sse.ts";
import { execArgv } from "../src/fetch-cap.ts";

let fake: FakeOpenAI;
let binary: string;

beforeAll(async () => {
  fake = startFakeOpenAI();
  binary = await hostBinary();
}, 60_000);
afterAll(async () => {
  await fake.stop();
});

const env = () => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL });

/** The pids whose parent is `pid`, from /proc. */
function children(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");

test("execArgv keeps the user's arguments and drops a compiled binary's embedded entry path", () => {
  expect(execArgv(["bun", "/$bunfs/root/chat", "--port", "8080"], "/opt/chat", true)).toEqual(["/opt/chat", "--port", "8080"]);
  expect(execArgv(["/usr/bin/bun", "/app/src/main.ts", "--port=1"], "/usr/bin/bun", false)).toEqual(["/usr/bin/bun", "/app/src/main.ts", "--port=1"]);
});

describe("the compiled binary started without BUN_CONFIG_MAX_HTTP_REQUESTS", () => {
  let chat: ChatServer;
  beforeAll(async () => {
    chat = await startChat({ binary, env: env(), withoutFetchCapEnv: true, args: ["--model", "gpt-test"] });
  }, 30_000);
  afterAll(async () => {
    await chat.stop();
  });

  test("is one process: the spawned PID serves, with the cap in its environment, and has no child", async () => {
    const pid = chat.proc.pid;
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
    expect(environ(pid)).toContain("BUN_CONFIG_MAX_HTTP_REQUESTS=65535");
    expect(readlinkSync(`/proc/${pid}/exe`)).toBe(binary);
    expect(children(pid)).toEqual([]);
    // The arguments survive the exec.
    expect(await (await fetch(`${chat.url}/api/status`)).json()).toMatchObject({ model: "gpt-test" });
    // It started once more (the exec), and said "listening" once.
    expect(chat.output().match(/listening on/g)?.length).toBe(1);
  });

  test("300 concurrent streams all complete, all open upstream at once (past Bun's 256)", async () => {
    const message = directive({ tokens: 20, delay: 50 });
    // A separate client process: the test runner's own fetch is capped at 256 concurrent requests.
    const load = Bun.spawn([process.execPath, join(import.meta.dir, "support/load-client.ts"), chat.url, "300", message], {
      env: { ...process.env, BUN_CONFIG_MAX_HTTP_REQUESTS: "4096" },
      stdout: "pipe",
      stderr: "inherit",
    });
    const out = await new Response(load.stdout).text();
    expect(await load.exited).toBe(0);
    expect(JSON.parse(out)).toEqual({ [fakeText({ tokens: 20 })]: 300 });
    expect(fake.stats.peak).toBeGreaterThanOrEqual(300);
    expect(children(chat.proc.pid)).toEqual([]);
  }, 30_000);
});

test("SIGTERM to the spawned PID drains: the open answer finishes, new connections are refused, exit 0", async () => {
  const chat = await startChat({ binary, env: env(), withoutFetchCapEnv: true });
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
  expect(chat.output()).toContain("chat: SIGTERM: no new requests");
}, 30_000);

test("from source (`bun src/main.ts`) without the variable: also one process", async () => {
  const chat = await startChat({ env: env(), withoutFetchCapEnv: true });
  try {
    expect(environ(chat.proc.pid)).toContain("BUN_CONFIG_MAX_HTTP_REQUESTS=65535");
    expect(children(chat.proc.pid)).toEqual([]);
  } finally {
    expect(await chat.stop()).toBe(0);
  }
}, 30_000);
