/**
 * `bun run release`: one executable per platform, checksums, and what each can be checked for here:
 * linux-x64 serves a chat end to end, linux-arm64 runs under qemu-user, the others by their headers.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openSync, readFileSync, readSync, closeSync } from "node:fs";
import { join } from "node:path";
import { fileName, sha256 } from "../../src/release.ts";
import pkg from "../../package.json";
import { startChat } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { CHECKED, releaseBuild, releaseFile } from "../support/release-build.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";

let fake: FakeOpenAI;
const commit = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd: join(import.meta.dir, "../..") }).stdout.toString().trim();

beforeAll(async () => {
  fake = startFakeOpenAI();
  await releaseBuild();
}, 240_000);
afterAll(async () => {
  await fake.stop();
});

function head(file: string, n = 512): Buffer {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(n);
    readSync(fd, buf, 0, n, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

test("SHA256SUMS lists every file with its sha256, in the format `sha256sum -c` reads", async () => {
  const { dir } = await releaseBuild();
  const lines = readFileSync(join(dir, "SHA256SUMS"), "utf8").trim().split("\n");
  expect(lines.map((l) => l.split("  ")[1])).toEqual(CHECKED.map(fileName));
  for (const line of lines) {
    const [hash, file] = line.split("  ");
    expect(sha256(join(dir, file!))).toBe(hash!);
  }
  const check = Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir, stdout: "pipe" });
  expect(check.exitCode).toBe(0);
}, 60_000);

describe("linux-x64", () => {
  test("--version prints version, commit and target", async () => {
    const out = Bun.spawnSync([await releaseFile("linux-x64"), "--version"]).stdout.toString().trim();
    expect(out).toStartWith(`chat ${pkg.version} (commit ${commit}`);
    expect(out).toContain(", linux-x64, bun ");
  });

  test("serves the page and a streamed chat end to end, from an empty folder", async () => {
    const chat = await startChat({ binary: await releaseFile("linux-x64"), env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL }, withoutFetchCapEnv: true });
    try {
      expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
      const html = await (await fetch(`${chat.url}/`)).text();
      const script = /src="(\/[^"]+\.js)"/.exec(html)?.[1];
      expect((await fetch(`${chat.url}${script}`)).status).toBe(200);
      const s = await readSse(await postChat(chat.url, userSays(directive({ tokens: 6 }))));
      expect(s.text).toBe(fakeText({ tokens: 6 }));
      expect(s.done).toBe(true);
    } finally {
      expect(await chat.stop()).toBe(0);
    }
  }, 60_000);
});

// Debian's qemu-user runs the arm64 build (installed by .ci/run with libc6-arm64-cross).
const qemu = Bun.which("qemu-aarch64");
describe.skipIf(!qemu && !process.env.CI)("linux-arm64 under qemu-user", () => {
  const run = async (args: string[]) => [qemu!, "-L", "/usr/aarch64-linux-gnu", await releaseFile("linux-arm64"), ...args];

  test("--version", async () => {
    // With the variable set: without it the binary would exec itself, and the kernel cannot exec an arm64
    // file on x64 unless qemu is registered with binfmt_misc (it warns and goes on, tested below).
    const p = Bun.spawnSync(await run(["--version"]), { stdout: "pipe", stderr: "pipe", env: { PATH: process.env.PATH ?? "", BUN_CONFIG_MAX_HTTP_REQUESTS: "65535" } });
    expect(p.stderr.toString()).toBe("");
    expect(p.stdout.toString()).toStartWith(`chat ${pkg.version} (commit ${commit}`);
    expect(p.stdout.toString()).toContain(", linux-arm64, bun ");
  }, 60_000);

  test("answers /healthz and stops on SIGTERM (started without the fetch-cap variable)", async () => {
    const cmd = await run([]);
    // startChat runs `binary`; under qemu it is qemu-aarch64 with the binary as an argument.
    const chat = await startChat({ binary: cmd[0], args: cmd.slice(1), env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL }, withoutFetchCapEnv: true });
    try {
      const res = await fetch(`${chat.url}/healthz`);
      expect(res.status).toBe(200);
      expect((await res.text()).trim()).toBe("ok");
    } finally {
      expect(await chat.stop()).toBe(0);
    }
  }, 60_000);
});

describe("the other targets, by their file headers", () => {
  test("darwin-arm64: Mach-O 64-bit, CPU_TYPE_ARM64, an executable", async () => {
    const h = head(await releaseFile("darwin-arm64"));
    expect(h.readUInt32LE(0)).toBe(0xfeedfacf); // MH_MAGIC_64
    expect(h.readUInt32LE(4)).toBe(0x0100000c); // CPU_TYPE_ARM64
    expect(h.readUInt32LE(12)).toBe(2); // MH_EXECUTE
  });

  test("darwin-x64: Mach-O 64-bit, CPU_TYPE_X86_64, an executable", async () => {
    const h = head(await releaseFile("darwin-x64"));
    expect(h.readUInt32LE(0)).toBe(0xfeedfacf);
    expect(h.readUInt32LE(4)).toBe(0x01000007); // CPU_TYPE_X86_64
    expect(h.readUInt32LE(12)).toBe(2);
  });

  test("windows-x64: PE32+ for x86-64, a console program", async () => {
    const h = head(await releaseFile("windows-x64"));
    expect(h.toString("latin1", 0, 2)).toBe("MZ");
    const pe = h.readUInt32LE(0x3c);
    expect(h.toString("latin1", pe, pe + 4)).toBe("PE\0\0");
    expect(h.readUInt16LE(pe + 4)).toBe(0x8664); // IMAGE_FILE_MACHINE_AMD64
    const optional = pe + 24;
    expect(h.readUInt16LE(optional)).toBe(0x20b); // PE32+
    expect(h.readUInt16LE(optional + 68)).toBe(3); // IMAGE_SUBSYSTEM_WINDOWS_CUI
  });

  test("linux-arm64: ELF 64-bit little-endian for AArch64", async () => {
    const h = head(await releaseFile("linux-arm64"));
    expect(h.toString("latin1", 0, 4)).toBe("\x7fELF");
    expect(h[4]).toBe(2); // ELFCLASS64
    expect(h.readUInt16LE(18)).toBe(183); // EM_AARCH64
  });
});
