import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startChat } from "../support/chat-server.ts";
import { type FakeOpenAI, fakeText, startFakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";
import { startOtlpReceiver } from "./otlp-receiver.ts";

let fake: FakeOpenAI;
beforeAll(() => {
  fake = startFakeOpenAI();
}, 60_000);
afterAll(() => fake?.stop());

/** Three chats, one after another and two at once: all must read the whole answer. */
async function chatsWork(url: string) {
  const one = () => postChat(url, userSays("hi")).then(readSse);
  const results = [await one(), ...(await Promise.all([one(), one()]))];
  for (const s of results) {
    expect(s.done).toBe(true);
    expect(s.text).toBe(fakeText());
  }
}

/** A loopback port with nothing listening. */
async function deadPort(): Promise<number> {
  const s = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = s.port!;
  await s.stop(true);
  return port;
}

describe("tracing off", () => {
  test("without an OTLP endpoint no tracer starts and nothing is propagated", async () => {
    const chat = await startChat({ env: { OPENAI_BASE_URL: fake.baseURL, OTEL_BSP_SCHEDULE_DELAY: "20", OTEL_SERVICE_NAME: "x" } });
    try {
      await chatsWork(chat.url);
      expect(chat.output()).not.toContain("tracing to");
      expect(fake.headers.at(-1)?.get("traceparent")).toBeNull();
    } finally {
      expect(await chat.stop()).toBe(0);
    }
  });

  test("OTEL_SDK_DISABLED=true turns tracing off even with an endpoint", async () => {
    const rx = startOtlpReceiver();
    const chat = await startChat({
      env: { OPENAI_BASE_URL: fake.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_BSP_SCHEDULE_DELAY: "20", OTEL_SDK_DISABLED: "true" },
    });
    try {
      await chatsWork(chat.url);
      await Bun.sleep(300);
      expect(rx.bodies).toHaveLength(0);
      expect(fake.headers.at(-1)?.get("traceparent")).toBeNull();
    } finally {
      await chat.stop();
      await rx.stop();
    }
  });
});

describe("a broken collector never breaks chats", () => {
  test("a dead collector (nothing listening) leaves chats working and shutdown prompt", async () => {
    const chat = await startChat({
      env: { OPENAI_BASE_URL: fake.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await deadPort()}`, OTEL_BSP_SCHEDULE_DELAY: "20" },
    });
    await chatsWork(chat.url);
    await Bun.sleep(200); // let a few exports fail
    await chatsWork(chat.url);
    const started = performance.now();
    expect(await chat.stop()).toBe(0);
    // The final flush is bounded (3 s), so a dead collector cannot hold the exit.
    expect(performance.now() - started).toBeLessThan(6000);
  });

  test("a collector answering 503 leaves chats working", async () => {
    const rx = startOtlpReceiver({ status: 503 });
    const chat = await startChat({ env: { OPENAI_BASE_URL: fake.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_BSP_SCHEDULE_DELAY: "20" } });
    try {
      await chatsWork(chat.url);
      await rx.waitFor(() => rx.bodies.length > 0);
      await chatsWork(chat.url);
    } finally {
      expect(await chat.stop()).toBe(0);
      await rx.stop();
    }
  });

  test("a collector that takes 5 s per export leaves chats working and shutdown bounded", async () => {
    const rx = startOtlpReceiver({ delayMs: 5000 });
    const chat = await startChat({ env: { OPENAI_BASE_URL: fake.baseURL, OTEL_EXPORTER_OTLP_ENDPOINT: rx.url, OTEL_BSP_SCHEDULE_DELAY: "20" } });
    try {
      const started = performance.now();
      await chatsWork(chat.url);
      await rx.waitFor(() => rx.bodies.length > 0);
      await chatsWork(chat.url);
      expect(performance.now() - started).toBeLessThan(4000);
      const stopping = performance.now();
      expect(await chat.stop()).toBe(0);
      expect(performance.now() - stopping).toBeLessThan(6000);
    } finally {
      await rx.stop();
    }
  });
});
