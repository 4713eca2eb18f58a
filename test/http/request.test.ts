import { describe, expect, test } from "bun:test";
import { parseChatRequest, validateChatRequest } from "../../src/http/request.ts";
import type { Limits } from "../../src/config.ts";
import { ChatError } from "../../src/errors.ts";

const limits: Limits = {
  maxBodyBytes: 2048,
  maxImageBytes: 1024,
  maxImages: 2,
  allowImageUrls: false,
  maxMessages: 3,
  maxChars: 100,
  maxStreams: 10,
  maxStreamsPerClient: 0,
  requestsPerMinute: 0,
  bodyTimeoutMs: 1000,
};

function rejects(body: unknown): ChatError {
  try {
    validateChatRequest(body, limits);
  } catch (err) {
    if (err instanceof ChatError) return err;
    throw err;
  }
  throw new Error("expected a ChatError");
}

describe("validateChatRequest", () => {
  test("accepts the seed's request and copies only role and content", () => {
    const req = validateChatRequest(
      { messages: [{ role: "system", content: "be brief" }, { role: "user", content: "Hi", extra: 1 }], other: true },
      limits,
    );
    expect(req).toEqual({ messages: [{ role: "system", content: "be brief" }, { role: "user", content: "Hi" }], options: {}, images: { count: 0, bytes: 0 } });
  });

  test.each([
    ["a non-object body", [1, 2], "JSON object"],
    ["null", null, "JSON object"],
    ["no messages", {}, 'no "messages"'],
    ["messages not an array", { messages: "hi" }, "must be an array"],
    ["empty messages", { messages: [] }, "is empty"],
    ["a message that is not an object", { messages: ["hi"] }, "messages[0] must be an object"],
    ["an unknown role", { messages: [{ role: "tool", content: "x" }] }, 'messages[0].role must be "user"'],
    ["a missing role", { messages: [{ content: "x" }] }, "(got undefined)"],
    ["non-string content", { messages: [{ role: "user", content: 42 }] }, "messages[0].content must be a string or a list of content parts (got number)"],
    ["a text part without text", { messages: [{ role: "user", content: [{ type: "text" }] }] }, "messages[0].content[0].text must be a string"],
  ])("refuses %s with 400", (_name, body, message) => {
    const err = rejects(body);
    expect(err.status).toBe(400);
    expect(err.type).toBe("invalid_request_error");
    expect(err.message).toContain(message);
  });

  test("refuses too many messages with 413", () => {
    const m = { role: "user", content: "x" };
    const err = rejects({ messages: [m, m, m, m] });
    expect(err.status).toBe(413);
    expect(err.message).toContain("Too many messages: 4 (the limit is 3)");
  });

  test("refuses a conversation over the character limit with 413", () => {
    const err = rejects({ messages: [{ role: "user", content: "x".repeat(60) }, { role: "assistant", content: "y".repeat(60) }] });
    expect(err.status).toBe(413);
  });

  test("a __proto__ key does not pollute anything", () => {
    const body = JSON.parse('{"messages":[{"role":"user","content":"hi","__proto__":{"polluted":1}}],"__proto__":{"polluted":1}}');
    validateChatRequest(body, limits);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("parseChatRequest", () => {
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request("http://x/api/chat", { method: "POST", body, headers });

  test("invalid JSON is a 400 that says so", async () => {
    await expect(parseChatRequest(post("{not json"), limits)).rejects.toMatchObject({ status: 400, message: "The request body is not valid JSON." });
  });

  test("deeply nested JSON is a clean 400, not a crash", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const big = { ...limits, maxBodyBytes: 1_000_000 };
    await expect(parseChatRequest(post(deep), big)).rejects.toMatchObject({ status: 400 });
  });

  test("invalid UTF-8 is a 400", async () => {
    await expect(parseChatRequest(post(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), limits)).rejects.toMatchObject({
      status: 400,
      message: "The request body is not valid UTF-8.",
    });
  });

  test("a declared Content-Length over the limit is refused before reading", async () => {
    let pulled = false;
    const body = new ReadableStream({ pull: () => void (pulled = true) }, { highWaterMark: 0 });
    const req = new Request("http://x/api/chat", { method: "POST", body, headers: { "content-length": "999999" } });
    await expect(parseChatRequest(req, limits)).rejects.toMatchObject({ status: 413, type: "request_too_large" });
    expect(pulled).toBe(false);
  });

  test("a body that dribbles in slower than the deadline is refused with 408", async () => {
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        await Bun.sleep(200);
        c.enqueue(new Uint8Array([0x20]));
      },
    });
    const started = performance.now();
    await expect(parseChatRequest(new Request("http://x/", { method: "POST", body }), limits)).rejects.toMatchObject({
      status: 408,
      type: "request_timeout",
    });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  test("a chunked body is cut off as soon as it crosses the limit", async () => {
    let chunks = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        chunks++;
        if (chunks > 1000) return c.close();
        c.enqueue(new Uint8Array(1024).fill(0x20));
      },
    });
    await expect(parseChatRequest(new Request("http://x/", { method: "POST", body }), limits)).rejects.toMatchObject({ status: 413 });
    expect(chunks).toBeLessThan(10);
  });
});
