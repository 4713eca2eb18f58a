/**
 * What the Containerfile relies on, tested without a container runtime (none can pull a base image
 * here): the linux-x64 release build as a non-root user with the image's environment, the token rule,
 * `--healthcheck`, and SIGTERM draining while the server is PID 1 of its own PID namespace.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { startChat } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { releaseFile } from "../support/release-build.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";

let fake: FakeOpenAI;
let binary: string;
const root = process.getuid?.() === 0;
const unshare = Bun.which("unshare");

beforeAll(async () => {
  fake = startFakeOpenAI();
  binary = await releaseFile("linux-x64");
  chmodSync(dirname(binary), 0o755); // a temp folder is 0700: the non-root user must reach the file
}, 240_000);
afterAll(async () => {
  await fake.stop();
});

// As the image sets it (Containerfile ENV), with the port free for the test.
const imageEnv = (extra: Record<string, string> = {}) => ({ HOST: "0.0.0.0", OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, ...extra });
const asNonRoot = () => [Bun.which("setpriv") ?? "/usr/bin/setpriv", "--reuid=65532", "--regid=65532", "--clear-groups", "--inh-caps=-all", binary];

describe.skipIf(!root)("as user 65532 (the image's nonroot) with HOST=0.0.0.0", () => {
  test("no CHAT_AUTH_TOKEN: refuses to start, saying why", () => {
    const p = Bun.spawnSync(asNonRoot(), { env: { PATH: process.env.PATH ?? "", PORT: "0", HOST: "0.0.0.0", OPENAI_API_KEY: "sk-test" }, stderr: "pipe" });
    expect(p.exitCode).toBe(1);
    expect(p.stderr.toString()).toContain("CHAT_AUTH_TOKEN");
  });

  test("with a token: serves a chat, runs as uid 65532, and --healthcheck exits 0 then 1 once it stopped", async () => {
    const [cmd, ...args] = asNonRoot();
    const chat = await startChat({ binary: cmd, args, env: imageEnv({ CHAT_AUTH_TOKEN: "t0ken-for-test" }) });
    const port = new URL(chat.url).port;
    try {
      const status = readFileSync(`/proc/${chat.proc.pid}/status`, "utf8");
      expect(status).toMatch(/^Uid:\s+65532\s+65532/m);
      const res = await postChat(chat.url.replace("0.0.0.0", "127.0.0.1"), userSays(directive({ tokens: 3 })), { headers: { "Content-Type": "application/json", Authorization: "Bearer t0ken-for-test" } });
      expect((await readSse(res)).text).toBe(fakeText({ tokens: 3 }));
      const check = Bun.spawnSync([...asNonRoot(), "--healthcheck"], { env: { PATH: process.env.PATH ?? "", HOST: "0.0.0.0", PORT: port } });
      expect(check.exitCode).toBe(0);
    } finally {
      expect(await chat.stop()).toBe(0);
    }
    const after = Bun.spawnSync([binary, "--healthcheck"], { env: { PATH: process.env.PATH ?? "", HOST: "0.0.0.0", PORT: port }, stderr: "pipe" });
    expect(after.exitCode).toBe(1);
    expect(after.stderr.toString()).toContain(`/healthz`);
  }, 60_000);
});

describe.skipIf(!root || !unshare)("as PID 1 of its own PID namespace (unshare --pid --fork)", () => {
  test("SIGTERM lets the open answer finish, then exits 0", async () => {
    const chat = await startChat({ binary: unshare!, args: ["--pid", "--fork", "--mount-proc", binary], env: imageEnv({ CHAT_ALLOW_UNAUTHENTICATED: "1", BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" }) });
    const url = chat.url.replace("0.0.0.0", "127.0.0.1");
    const server = Number(readFileSync(`/proc/${chat.proc.pid}/task/${chat.proc.pid}/children`, "utf8").trim());
    // Inside the namespace it is PID 1.
    expect(readFileSync(`/proc/${server}/status`, "utf8")).toMatch(/^NSpid:\s+\d+\s+1$/m);
    const reading = readSse(await postChat(url, userSays(directive({ tokens: 15, delay: 40 }))));
    await Bun.sleep(100);
    process.kill(server, "SIGTERM");
    const s = await reading;
    expect(s.text).toBe(fakeText({ tokens: 15 }));
    expect(s.done).toBe(true);
    expect(await chat.proc.exited).toBe(0); // unshare exits with its child's status
    expect(chat.output()).toContain("chat: SIGTERM: no new requests");
  }, 30_000);
});
