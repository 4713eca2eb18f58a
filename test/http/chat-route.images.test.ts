import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatServer, startChat } from "../support/chat-server.ts";
import { type FakeOpenAI, directive, startFakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse } from "../support/sse.ts";

// A 1×1 PNG, and the first bytes of the other three types (the server checks the type by its signature).
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]).toString("base64");
const GIF = Buffer.from("GIF89a\x01\x00\x01\x00\x00\x00").toString("base64");
const WEBP = Buffer.from("RIFF\x1a\x00\x00\x00WEBPVP8L").toString("base64");
const image = (type: string, base64: string) => ({ type: "image_url", image_url: { url: `data:${type};base64,${base64}` } });
const text = (t: string) => ({ type: "text", text: t });
const asks = (...content: unknown[]) => ({ messages: [{ role: "user", content }] });

const MAX_IMAGE_BYTES = 4096;
let fake: FakeOpenAI;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({
    env: {
      OPENAI_API_KEY: "sk-test",
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_MODEL: "gpt-fake",
      CHAT_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
      CHAT_MAX_IMAGES: "4",
      CHAT_MAX_BODY_BYTES: "65536",
    },
  });
}, 60_000);
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

/** Posts `body` and expects a JSON refusal before the upstream hears of it. */
async function refused(body: unknown, status: number, message: string | RegExp) {
  const before = fake.stats.requests;
  const res = await postChat(chat.url, body);
  expect(res.status).toBe(status);
  const json = (await res.json()) as { error: { message: string; type: string } };
  expect(json.error.message).toMatch(message);
  expect(typeof json.error.type).toBe("string");
  expect(fake.stats.requests).toBe(before);
}

describe("POST /api/chat with content parts", () => {
  test("text and image parts reach the upstream exactly as sent, byte for byte", async () => {
    const messages = [
      { role: "system", content: "Describe images." },
      { role: "user", content: [text("What is this?"), image("image/png", PNG), image("image/jpeg", JPEG), { type: "image_url", image_url: { url: `data:image/gif;base64,${GIF}`, detail: "low" } }] },
      { role: "assistant", content: [text("A pixel.")] },
      { role: "user", content: [text(`File: a.ts\n\`\`\`ts\nconst a = 1;\n\`\`\` ${directive({ tokens: 2 })}`), image("image/webp", WEBP)] },
    ];
    const res = await postChat(chat.url, { messages });
    const s = await readSse(res);
    expect({ status: res.status, error: s.error, done: s.done }).toEqual({ status: 200, error: undefined, done: true });
    expect(fake.bodies.at(-1)!.messages).toEqual(messages);
    expect(fake.rawBodies!.at(-1)).toContain(JSON.stringify(messages));
  });

  test("the seed's string content is unchanged", async () => {
    const messages = [{ role: "user", content: "plain" }];
    await readSse(await postChat(chat.url, { messages }));
    expect(fake.rawBodies!.at(-1)).toContain(`"messages":[{"role":"user","content":"plain"}]`);
  });

  test("unknown part fields are dropped, never forwarded", async () => {
    await readSse(await postChat(chat.url, asks({ ...text("hi"), cache_control: { type: "x" } }, { ...image("image/png", PNG), extra: 1 })));
    expect(fake.bodies.at(-1)!.messages).toEqual([{ role: "user", content: [text("hi"), image("image/png", PNG)] }]);
  });

  test.each([
    ["an unknown part type", asks({ type: "input_audio", input_audio: {} }), /content\[0\]\.type must be "text" or "image_url"/],
    ["an empty part list", asks(), /empty list/],
    ["a part that is not an object", asks("hi"), /content\[0\] must be an object/],
    ["an image_url without a url", asks({ type: "image_url", image_url: {} }), /image_url\.url must be a string/],
    ["an image_url that is a string", asks({ type: "image_url", image_url: `data:image/png;base64,${PNG}` }), /must be an object with a "url"/],
    ["a bad detail", asks({ type: "image_url", image_url: { url: `data:image/png;base64,${PNG}`, detail: "ultra" } }), /detail must be/],
    ["an SVG (scripts) image", asks(image("image/svg+xml", Buffer.from("<svg/>").toString("base64"))), /PNG, JPEG, WebP or GIF/],
    ["a data: URL that is not base64", asks({ type: "image_url", image_url: { url: "data:image/png,rawbytes" } }), /base64 data: URL/],
    ["base64 that does not decode", asks(image("image/png", "iVBORw0K*GgoAAAA")), /does not decode/],
    ["base64 of the wrong length", asks(image("image/png", "iVBORw0KGgo")), /does not decode/],
    ["empty base64", asks(image("image/png", "")), /does not decode/],
    ["a JPEG labelled PNG", asks(image("image/png", JPEG)), /not the image\/png/],
    ["an http image URL (the upstream would fetch it)", asks(image("x", "")) && asks({ type: "image_url", image_url: { url: "https://example.com/a.png" } }), /CHAT_ALLOW_IMAGE_URLS/],
    ["a file: URL", asks({ type: "image_url", image_url: { url: "file:///etc/passwd" } }), /base64 data: URL/],
    ["an image in an assistant message", { messages: [{ role: "assistant", content: [image("image/png", PNG)] }, { role: "user", content: "hi" }] }, /only user messages/],
  ])("refuses %s with 400 before calling the upstream", async (_name, body, message) => {
    await refused(body, 400, message);
  });

  test("an image over CHAT_MAX_IMAGE_BYTES is refused with 413", async () => {
    const big = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    big.set([0x89, 0x50, 0x4e, 0x47]);
    await refused(asks(image("image/png", big.toString("base64"))), 413, /CHAT_MAX_IMAGE_BYTES/);
  });

  test("more than CHAT_MAX_IMAGES images in one request are refused with 413, counted across messages", async () => {
    const three = [image("image/png", PNG), image("image/png", PNG), image("image/png", PNG)];
    await refused({ messages: [{ role: "user", content: three }, { role: "assistant", content: "ok" }, { role: "user", content: three }] }, 413, /CHAT_MAX_IMAGES/);
  });

  test("a body over CHAT_MAX_BODY_BYTES is refused with 413 while it is read", async () => {
    await refused(asks(text("x".repeat(70_000))), 413, /larger than 65536 bytes/);
  });

  test("a model that cannot see: the error event names the model and says to choose another", async () => {
    const s = await readSse(await postChat(chat.url, { model: "gpt-fake", messages: [{ role: "user", content: [text(`look ${directive({ blind: 1 })}`), image("image/png", PNG)] }] }));
    expect(s.error?.type).toBe("upstream_error");
    expect(s.error?.message).toContain('The model "gpt-fake" refused the request with an image (400): it may not support images');
    expect(s.error?.message).toContain("image_url is only supported by certain models");
  });
});

describe("image URLs when allowed", () => {
  let open: ChatServer;
  beforeAll(async () => {
    open = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-fake", CHAT_ALLOW_IMAGE_URLS: "1" } });
  }, 60_000);
  afterAll(() => open.stop());

  test("CHAT_ALLOW_IMAGE_URLS=1 forwards an https URL as sent; other schemes are still refused", async () => {
    const part = { type: "image_url", image_url: { url: "https://example.com/cat.png" } };
    const s = await readSse(await postChat(open.url, asks(text("see"), part)));
    expect(s.done).toBe(true);
    expect(fake.bodies.at(-1)!.messages).toEqual([{ role: "user", content: [text("see"), part] }]);
    const res = await postChat(open.url, asks({ type: "image_url", image_url: { url: "ftp://example.com/cat.png" } }));
    expect(res.status).toBe(400);
  });
});
