import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { validateChatRequest } from "../../src/http/request.ts";
import { ChatError } from "../../src/errors.ts";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse } from "../support/sse.ts";

const CANARY = "sk-canary-hostile-9f8e7d6c5b4a";
let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({ env: { OPENAI_API_KEY: CANARY, OPENAI_BASE_URL: fake.baseURL, CHAT_BODY_TIMEOUT_MS: "1000" } });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

/** A small deterministic PRNG, so a failing fuzz case can be replayed from its seed. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const wrongValues = [null, true, 0, -1, 1e308, "", "x", [], [1], {}, { a: 1 }];
const m = (role: unknown, content: unknown) => ({ role, content });

const corpus: Array<[string, BodyInit]> = [
  ["empty body", ""],
  ["whitespace", "   \n"],
  ["truncated JSON", '{"messages":[{"role":"user","content":"hi"'],
  ["trailing garbage", '{"messages":[]} x'],
  ["single quotes", "{'messages':[]}"],
  ["a bare string", '"hello"'],
  ["a bare number", "42"],
  ["null", "null"],
  ["an array", "[]"],
  ["NaN", '{"messages":NaN}'],
  ["deep nesting in messages", `{"messages":${"[".repeat(50_000)}${"]".repeat(50_000)}}`],
  ["deep nesting of objects", `${'{"a":'.repeat(20_000)}1${"}".repeat(20_000)}`],
  ["a huge string", JSON.stringify({ messages: [m("user", "x".repeat(500_000))] })],
  ["a huge role", JSON.stringify({ messages: [m("u".repeat(100_000), "hi")] })],
  ["thousands of tiny messages", JSON.stringify({ messages: Array.from({ length: 5000 }, () => m("user", "")) })],
  ["invalid UTF-8", new Uint8Array([...new TextEncoder().encode('{"messages":[{"role":"user","content":"'), 0xc3, 0x28, 0xff, ...new TextEncoder().encode('"}]}')])],
  ["lone surrogate escape", '{"messages":[{"role":"user","content":"\\ud800"}]}'],
  ["__proto__ everywhere", '{"__proto__":{"admin":true},"messages":[{"__proto__":{"role":"user"},"content":"hi"}]}'],
  ["constructor.prototype", '{"constructor":{"prototype":{"admin":true}},"messages":"x"}'],
  ["duplicate keys", '{"messages":[],"messages":"x"}'],
  ["a BOM before the JSON", "\ufeff{\"messages\":[]}"],
  ["NUL bytes", '{"messages":[{"role":"user\\u0000","content":"hi"}]}'],
  ...wrongValues.map((v): [string, BodyInit] => [`messages = ${JSON.stringify(v)}`, JSON.stringify({ messages: v })]),
  ...wrongValues.map((v): [string, BodyInit] => [`role = ${JSON.stringify(v)}`, JSON.stringify({ messages: [m(v, "hi")] })]),
  ...wrongValues.filter((v) => typeof v !== "string").map((v): [string, BodyInit] => [`content = ${JSON.stringify(v)}`, JSON.stringify({ messages: [m("user", v)] })]),
  ...wrongValues.map((v): [string, BodyInit] => [`a message = ${JSON.stringify(v)}`, JSON.stringify({ messages: [v] })]),
];

describe("hostile input: every case is a clear 4xx or a clean stream", () => {
  test.each(corpus)("%s", async (_name, body) => {
    const res = await postChat(chat.url, body);
    if (res.status === 200) {
      const s = await readSse(res);
      expect(s.done || s.error !== undefined).toBe(true);
      return;
    }
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const json = (await res.json()) as { error: { message: string; type: string } };
    expect(json.error.message.length).toBeGreaterThan(0);
    expect(json.error.type.length).toBeGreaterThan(0);
  });

  test("a slowloris body is cut with 408 at the deadline", async () => {
    const port = Number(new URL(chat.url).port);
    let reply = "";
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: { data: (_s, d) => void (reply += d.toString()) },
    });
    socket.write("POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n");
    const started = performance.now();
    for (let i = 0; i < 12 && !reply; i++) {
      socket.write("{");
      await Bun.sleep(250);
    }
    socket.end();
    expect(reply).toStartWith("HTTP/1.1 408");
    expect(performance.now() - started).toBeLessThan(3000);
  });

  test("fuzzed request bodies through HTTP never get a 5xx", async () => {
    const rand = prng(20261125);
    const valid = JSON.stringify({ messages: [m("user", "hello"), m("assistant", "hi"), m("user", "more")] });
    for (let i = 0; i < 150; i++) {
      const bytes = new TextEncoder().encode(valid);
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const res = await postChat(chat.url, bytes);
      expect(res.status).toBeLessThan(500);
      await res.arrayBuffer();
    }
  });

  test("the server is healthy afterwards and printed no secret", async () => {
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
    expect(chat.output()).not.toContain(CANARY);
  });
});

describe("fuzzing the request validator", () => {
  test("random JSON values are either accepted with exactly role+content or refused with a ChatError", () => {
    const rand = prng(42);
    const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
    const value = (depth: number): unknown => {
      const r = rand();
      if (depth > 3 || r < 0.3) return pick<unknown>([null, true, 1, "user", "assistant", "system", "", "tool", -0, 3.5]);
      if (r < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => value(depth + 1));
      const obj: Record<string, unknown> = {};
      for (let k = 0; k < 3; k++) obj[pick(["messages", "role", "content", "__proto__", "x"])] = value(depth + 1);
      return obj;
    };
    const limits = { maxBodyBytes: 1e6, maxImageBytes: 1e6, maxImages: 4, allowImageUrls: false, maxMessages: 10, maxChars: 1000, maxStreams: 1, maxStreamsPerClient: 0, requestsPerMinute: 0, bodyTimeoutMs: 1000 };
    for (let i = 0; i < 5000; i++) {
      const body = value(0);
      try {
        const req = validateChatRequest(body, limits);
        for (const msg of req.messages) {
          expect(Object.keys(msg).sort()).toEqual(["content", "role"]);
          expect(["user", "assistant", "system"]).toContain(msg.role);
          expect(typeof msg.content).toBe("string");
        }
      } catch (err) {
        expect(err).toBeInstanceOf(ChatError);
        expect((err as ChatError).status).toBeGreaterThanOrEqual(400);
      }
    }
  });
});
