import { afterAll, beforeAll, expect, test } from "bun:test";
import { type ChatServer, startChat } from "./support/chat-server.ts";

// Run from source (`bun run start`), the page is an installable app as the executable's is
// (test/e2e/pwa.test.ts checks the executable in Chromium).
let chat: ChatServer;
beforeAll(async () => {
  chat = await startChat({ env: { OPENAI_API_KEY: "sk-test" } });
}, 60_000);
afterAll(async () => {
  await chat.stop();
});

test("run from source, the page links a manifest whose icon is served, and /sw.js precaches the shell but no API", async () => {
  const html = await (await fetch(`${chat.url}/`)).text();
  const href = /<link rel="manifest" href="(\/[^"]+)"/.exec(html)?.[1];
  expect(href).toMatch(/^\/manifest-[a-z0-9]{8}\.webmanifest$/);
  const res = await fetch(`${chat.url}${href}`);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("application/manifest+json");
  const manifest = (await res.json()) as { name: string; start_url: string; display: string; icons: Array<{ src: string; type: string }> };
  expect(manifest).toMatchObject({ name: "Chat", start_url: "/", display: "standalone" });
  expect(manifest.icons.length).toBeGreaterThan(0);
  for (const icon of manifest.icons) {
    const r = await fetch(`${chat.url}${icon.src}`);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toStartWith(icon.type);
  }
  expect(html).toContain('<meta name="theme-color" media="(prefers-color-scheme: dark)"');

  const sw = await fetch(`${chat.url}/sw.js`);
  expect(sw.status).toBe(200);
  expect(sw.headers.get("content-type")).toStartWith("text/javascript");
  expect(sw.headers.get("cache-control")).toBe("no-cache");
  expect(sw.headers.get("content-security-policy")).toContain("worker-src 'self'");
  const script = await sw.text();
  const [, version, shell] = /\(self, ("[^"]+"), (\[[^\]]*\])\);\s*$/.exec(script) ?? [];
  expect(JSON.parse(version!)).toMatch(/^[0-9a-f]{16}$/);
  const paths = JSON.parse(shell!) as string[];
  expect(paths).toContain("/");
  expect(paths).toContain(href!);
  for (const m of html.matchAll(/(?:src|href)="(\/[^"]+)"/g)) expect(paths).toContain(m[1]!);
  expect(paths.some((p) => p.startsWith("/api/") || p === "/sw.js")).toBe(false);
  // The script parses as JavaScript.
  expect(() => new Function(script)).not.toThrow();
}, 60_000);
