import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat, type ChatServer } from "../support/chat-server.ts";
import { directive, fakeTokens, startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";

const CANARY = "sk-canary-0123456789abcdefXYZ";
let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({
    env: {
      OPENAI_API_KEY: CANARY,
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MODEL: "gpt-fake",
      CHAT_MAX_MESSAGES: "50",
      CHAT_MAX_BODY_BYTES: "65536",
      CHAT_MAX_CHARS: "20000",
    },
  });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

describe("POST /api/chat: the seed's wire contract", () => {
  test("streams one data event per delta, a finish event, then [DONE], byte for byte (plus ids a seed client ignores)", async () => {
    const res = await postChat(chat.url, userSays(`Tell me a joke ${directive({ text: "Why did the developer go broke?" })}`));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("cache-control")).toContain("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(res.headers.get("x-stream-id")).toMatch(/^[0-9a-f-]{36}$/);
    const body = await res.text();
    const deltas = ["Why ", "did ", "the ", "developer ", "go ", "broke?"].map((c, i) => `id: ${i + 1}\ndata: {"content":"${c}"}\n\n`);
    const finish = `event: finish\nid: 7\ndata: {"finish_reason":"stop","model":"gpt-fake","usage":{"prompt_tokens":9,"completion_tokens":6,"total_tokens":15}}\n\n`;
    expect(body).toBe(`: ok\n\n${deltas.join("")}${finish}id: 8\ndata: [DONE]\n\n`);
  });

  test("the upstream gets the conversation, the model and a request for usage", async () => {
    const messages = [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Hello!" },
      { role: "assistant", content: "Hi! How can I help?" },
      { role: "user", content: "Tell me a joke" },
    ];
    await readSse(await postChat(chat.url, { messages }));
    const sent = fake.bodies.at(-1)!;
    expect(sent.messages).toEqual(messages);
    expect(sent.model).toBe("gpt-fake");
    expect(sent.stream).toBe(true);
    expect(sent.stream_options).toEqual({ include_usage: true });
  });

  test("unicode and newlines in the answer arrive intact", async () => {
    const text = "héllo 中文 😀 line\nbreak \"quoted\"";
    const s = await readSse(await postChat(chat.url, userSays(directive({ text }))));
    expect(s.text).toBe(fakeTokens({ tokens: 0, text }).join(""));
    expect(s.text).toBe(text);
  });

  test("GET /healthz answers 200 and GET / serves the page", async () => {
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
    const page = await fetch(`${chat.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain('<div id="root">');
  }, 30_000); // from source, the first page request bundles the client

  test("/api/status tells the page the model and that chatting works", async () => {
    expect(await (await fetch(`${chat.url}/api/status`)).json()).toMatchObject({ model: "gpt-fake", ready: true });
  });
});

describe("POST /api/chat: bad requests get a clear 4xx and never reach the upstream", () => {
  const many = Array.from({ length: 51 }, () => ({ role: "user", content: "x" }));
  test.each([
    ["invalid JSON", "{nope", 400, "not valid JSON"],
    ["missing messages", {}, 400, 'no "messages"'],
    ["messages not an array", { messages: { role: "user" } }, 400, "must be an array"],
    ["empty messages", { messages: [] }, 400, "is empty"],
    ["an unknown role", { messages: [{ role: "wizard", content: "x" }] }, 400, "role must be"],
    ["non-string content", { messages: [{ role: "user", content: null }] }, 400, "content must be a string"],
    ["too many messages", { messages: many }, 413, "Too many messages"],
    ["too many characters", userSays("x".repeat(20_001)), 413, "longer than 20000 characters"],
    ["too large a body", userSays("x".repeat(70_000)), 413, "larger than 65536 bytes"],
  ])("%s", async (_name, body, status, message) => {
    const before = fake.stats.requests;
    const res = await postChat(chat.url, body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { message: string; type: string } };
    expect(json.error.message).toContain(message);
    expect(typeof json.error.type).toBe("string");
    expect(fake.stats.requests).toBe(before);
  });

  test("a huge declared body is refused with JSON before it is sent (not Bun's empty 413)", async () => {
    const port = Number(new URL(chat.url).port);
    let reply = "";
    const done = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        data(_s, d) {
          reply += d.toString();
          if (reply.includes("\r\n\r\n") && reply.includes("}}")) done.resolve();
        },
        close: () => done.resolve(),
        error: () => done.resolve(),
      },
    });
    socket.write(`POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500000000\r\n\r\n{"messages":`);
    await Promise.race([done.promise, Bun.sleep(3000)]);
    socket.end();
    expect(reply).toStartWith("HTTP/1.1 413");
    expect(reply).toContain('"type":"request_too_large"');
  });

  test("other methods on /api/chat get 405 JSON, unknown paths 404 JSON", async () => {
    const get = await fetch(`${chat.url}/api/chat`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(((await get.json()) as { error: { type: string } }).error.type).toBe("method_not_allowed");
    const missing = await fetch(`${chat.url}/api/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { type: string } }).error.type).toBe("not_found");
  });

  test("the server is healthy after all of that, and never printed the API key", async () => {
    expect((await fetch(`${chat.url}/healthz`)).status).toBe(200);
    expect(chat.output()).not.toContain(CANARY);
  });

  test("the API key is in no page, script, style or API answer the browser can fetch", async () => {
    const html = await (await fetch(`${chat.url}/`)).text();
    const bodies = [html, await (await fetch(`${chat.url}/api/status`)).text(), await (await fetch(`${chat.url}/api/models`)).text()];
    for (const [, path] of html.matchAll(/(?:src|href)="(\/[^"]+)"/g)) bodies.push(await (await fetch(`${chat.url}${path}`)).text());
    expect(bodies.length).toBeGreaterThan(4);
    for (const body of bodies) expect(body).not.toContain(CANARY);
  });
});

describe("without an API key", () => {
  test("the server starts, the page is told what to set, and /api/chat answers 503", async () => {
    const keyless = await startChat({ env: {} });
    try {
      const status = (await (await fetch(`${keyless.url}/api/status`)).json()) as { ready: boolean; problem: string };
      expect(status.ready).toBe(false);
      expect(status.problem).toContain("OPENAI_API_KEY");
      const res = await postChat(keyless.url, userSays("hi"));
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ error: { type: "configuration_error" } });
      expect(keyless.output()).toContain("OPENAI_API_KEY is not set");
    } finally {
      await keyless.stop();
    }
  });
});
