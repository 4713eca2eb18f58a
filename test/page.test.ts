import { afterAll, beforeAll, expect, test } from "bun:test";
import { gzipSync } from "node:zlib";
import { type ChatServer, startChat } from "./support/chat-server.ts";

// Run from source (`bun run start`), the page must be the one the executable serves: split into
// on-demand chunks and minified, not Bun's one run-time bundle of everything (91 KB gzipped).
let chat: ChatServer;
beforeAll(async () => {
  chat = await startChat({ env: { OPENAI_API_KEY: "sk-test" } });
}, 60_000);
afterAll(async () => {
  await chat.stop();
});

test("run from source, the page loads under 30 KB of gzipped JS first, and its on-demand chunks are served", async () => {
  const res = await fetch(`${chat.url}/`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
  const html = await res.text();
  const scripts = [...html.matchAll(/<script[^>]+src="(\/[^"]+)"/g)].map((m) => m[1]!);
  expect(scripts.length).toBe(1);
  const entry = new Uint8Array(await (await fetch(`${chat.url}${scripts[0]}`)).arrayBuffer());
  expect(gzipSync(entry, { level: 9 }).length).toBeLessThan(30 * 1024);
  const chunks = [...new TextDecoder().decode(entry).matchAll(/"(\/chunk-[a-z0-9]+\.js)"/g)].map((m) => m[1]!).filter((c) => c !== scripts[0]);
  expect(chunks.length).toBeGreaterThan(0);
  for (const chunk of new Set(chunks)) {
    const r = await fetch(`${chat.url}${chunk}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("cache-control")).toContain("immutable");
  }
}, 60_000);
