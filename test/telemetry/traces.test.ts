import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type ChatServer, startChat } from "../support/chat-server.ts";
import { type FakeOpenAI, directive, startFakeOpenAI } from "../support/fake-openai.ts";
import { postChat, readSse, userSays } from "../support/sse.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";

const CANARY_KEY = "sk-canary-7f3a9c1e5b2d4680aa11";

let fake: FakeOpenAI;
let rx: OtlpReceiver;
let chat: ChatServer;

beforeAll(async () => {
  fake = startFakeOpenAI();
  rx = startOtlpReceiver();
  chat = await startChat({
    env: {
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_API_KEY: CANARY_KEY,
      OPENAI_MODEL: "gpt-fake",
      CHAT_TEMPERATURE: "0.3",
      CHAT_MAX_TOKENS: "64",
      CHAT_UPSTREAM_RETRIES: "0",
      // A disconnect ends the answer at once (no wait for a re-attach), so the abort is traced now.
      CHAT_RESUME_GRACE_S: "0",
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_BSP_SCHEDULE_DELAY: "20",
    },
  });
}, 60_000);

afterAll(async () => {
  await chat?.stop();
  await fake?.stop();
  await rx?.stop();
});

/** The trace id the server sent upstream with its last model call. */
const lastUpstreamTrace = () => traceparent(fake.headers.at(-1)?.get("traceparent")).traceId;

function traceparent(header: string | null | undefined) {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(header ?? "");
  if (!m) throw new Error(`not a traceparent: ${header}`);
  return { traceId: m[1]!, spanId: m[2]!, flags: m[3]! };
}

/** Waits for the SERVER span (and the CLIENT span when `model`) of one trace. */
async function spansOf(traceId: string, opts: { model: boolean }) {
  const mine = (all: ReceivedSpan[]) => all.filter((s) => s.traceId === traceId);
  const spans = mine(await rx.waitFor((all) => mine(all).length >= (opts.model ? 2 : 1)));
  const server = spans.find((s) => s.kind === "SERVER");
  const model = spans.find((s) => s.kind === "CLIENT");
  if (!server) throw new Error(`no server span in ${JSON.stringify(spans)}`);
  return { server, model, spans };
}

describe("tracing a chat", () => {
  test("an answer gives a SERVER span for POST /api/chat and a CLIENT child `chat {model}` per GenAI conventions", async () => {
    const body = { messages: [{ role: "user", content: "secret question" }, { role: "assistant", content: "a" }, { role: "user", content: "hi" }] };
    const s = await readSse(await postChat(chat.url, body));
    expect(s.done).toBe(true);
    const { server, model } = await spansOf(lastUpstreamTrace(), { model: true });

    expect(server.name).toBe("POST /api/chat");
    expect(server.parentSpanId).toBe("");
    expect(server.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/api/chat",
      "url.path": "/api/chat",
      "url.scheme": "http",
      "http.response.status_code": 200,
      "chat.message_count": 3,
    });
    expect(server.status.code).toBe("UNSET");
    expect(server.resource["service.name"]).toBe("bun-chat");

    expect(model!.name).toBe("chat gpt-fake");
    expect(model!.parentSpanId).toBe(server.spanId);
    const port = Number(new URL(fake.url).port);
    expect(model!.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.provider.name": "openai",
      "gen_ai.request.model": "gpt-fake",
      "gen_ai.request.temperature": 0.3,
      "gen_ai.request.max_tokens": 64,
      "gen_ai.response.model": "gpt-fake",
      "gen_ai.response.finish_reasons": ["stop"],
      "gen_ai.usage.input_tokens": 9,
      "gen_ai.usage.output_tokens": 5,
      "server.address": "127.0.0.1",
      "server.port": port,
    });
    expect(String(model!.attributes["gen_ai.response.id"])).toStartWith("chatcmpl-fake");
    expect(model!.attributes["gen_ai.response.time_to_first_chunk"]).toBeGreaterThan(0);
    expect(model!.events.map((e) => e.name)).toContain("chat.first_token");
    expect(model!.status.code).toBe("UNSET");
    // Privacy: no message contents unless opted in.
    expect(JSON.stringify([server, model])).not.toContain("secret question");
  });

  test("the upstream request carries the CLIENT span's traceparent", async () => {
    await readSse(await postChat(chat.url, userSays("hello")));
    const sent = traceparent(fake.headers.at(-1)?.get("traceparent"));
    const { model } = await spansOf(sent.traceId, { model: true });
    expect(sent.spanId).toBe(model!.spanId);
    expect(sent.flags).toBe("01");
  });

  test("the SERVER span ends when the stream ends, not when the response starts", async () => {
    const s = await readSse(await postChat(chat.url, userSays(directive({ tokens: 6, delay: 80 }))));
    expect(s.done).toBe(true);
    const { server, model } = await spansOf(lastUpstreamTrace(), { model: true });
    expect(model!.durationMs).toBeGreaterThanOrEqual(350);
    expect(server.durationMs).toBeGreaterThanOrEqual(model!.durationMs);
  });

  test("an upstream 500 marks both spans as errors with error.type", async () => {
    const s = await readSse(await postChat(chat.url, userSays(directive({ status: 500 }))));
    expect(s.error?.type).toBe("upstream_error");
    const { server, model } = await spansOf(lastUpstreamTrace(), { model: true });
    expect(model!.status.code).toBe("ERROR");
    expect(model!.attributes["error.type"]).toBe("upstream_error");
    expect(model!.attributes["gen_ai.usage.output_tokens"]).toBeUndefined();
    expect(server.status.code).toBe("ERROR");
    expect(server.attributes["error.type"]).toBe("upstream_error");
    // The SSE response itself had started with 200.
    expect(server.attributes["http.response.status_code"]).toBe(200);
  });

  test("a client abort mid-stream is marked on both spans and is not an error", async () => {
    const abort = new AbortController();
    const res = await postChat(chat.url, userSays(directive({ tokens: 200, delay: 20 })), { signal: abort.signal });
    const reader = res.body!.getReader();
    let text = "";
    while (!text.includes("token3")) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    await reader.cancel().catch(() => {});
    const { server, model } = await spansOf(lastUpstreamTrace(), { model: true });
    expect(model!.events.map((e) => e.name)).toContain("chat.client_abort");
    expect(model!.attributes["chat.aborted"]).toBe(true);
    expect(model!.status.code).toBe("UNSET");
    expect(model!.attributes["gen_ai.response.finish_reasons"]).toBeUndefined();
    expect(server.attributes["chat.aborted"]).toBe(true);
    expect(server.status.code).toBe("UNSET");
    // Ended at the abort, long before the 200 tokens (4 s) would have finished.
    expect(server.durationMs).toBeLessThan(3000);
  });

  test("an incoming traceparent is continued, and the upstream joins the same trace", async () => {
    const caller = { traceId: crypto.randomUUID().replaceAll("-", ""), spanId: "00f067aa0ba902b7" };
    const res = await postChat(chat.url, userSays("hi"), {
      headers: { "Content-Type": "application/json", traceparent: `00-${caller.traceId}-${caller.spanId}-01` },
    });
    await readSse(res);
    const { server, model } = await spansOf(caller.traceId, { model: true });
    expect(server.parentSpanId).toBe(caller.spanId);
    expect(model!.parentSpanId).toBe(server.spanId);
    expect(lastUpstreamTrace()).toBe(caller.traceId);
  });

  test("a refused request gets a SERVER span with its status and error.type, and no model span", async () => {
    const traceId = crypto.randomUUID().replaceAll("-", "");
    const res = await postChat(chat.url, "{not json", {
      headers: { "Content-Type": "application/json", traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(res.status).toBe(400);
    const { server, spans } = await spansOf(traceId, { model: false });
    expect(server.attributes["http.response.status_code"]).toBe(400);
    expect(server.attributes["error.type"]).toBe("invalid_request_error");
    // A 4xx is the client's fault: HTTP conventions leave a server span's status unset.
    expect(server.status.code).toBe("UNSET");
    await Bun.sleep(100);
    expect(rx.spans.filter((s) => s.traceId === traceId)).toHaveLength(spans.length);
  });

  test("a reasoning answer records its reasoning tokens, effort and timings, but never its thinking", async () => {
    const s = await readSse(await postChat(chat.url, { ...userSays(directive({ reasoning_text: "private thoughts here", tokens: 2 })), reasoning_effort: "low" }));
    expect(s.reasoning).toBe("private thoughts here");
    const { model } = await spansOf(lastUpstreamTrace(), { model: true });
    expect(model!.attributes).toMatchObject({
      "chat.request.reasoning_effort": "low",
      "gen_ai.usage.reasoning.output_tokens": 3,
      "gen_ai.usage.output_tokens": 5,
    });
    const toReasoning = model!.attributes["chat.time_to_first_reasoning"] as number;
    const toContent = model!.attributes["gen_ai.response.time_to_first_chunk"] as number;
    expect(toReasoning).toBeGreaterThan(0);
    expect(toContent).toBeGreaterThanOrEqual(toReasoning);
    expect(model!.attributes["chat.reasoning_ms"]).toBe(s.finish!.reasoning_ms!);
    expect(model!.events.map((e) => e.name)).toEqual(["chat.first_reasoning", "chat.first_token"]);
    expect(JSON.stringify(model)).not.toContain("private thoughts");
  });

  test("a message with images records how many and how many bytes, never the image itself", async () => {
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(992, 7)]);
    const url = `data:image/png;base64,${png.toString("base64")}`;
    const content = [
      { type: "text", text: "what is this" },
      { type: "image_url", image_url: { url } },
      { type: "image_url", image_url: { url } },
    ];
    const s = await readSse(await postChat(chat.url, { messages: [{ role: "user", content }] }));
    expect(s.done).toBe(true);
    const { server, model, spans } = await spansOf(lastUpstreamTrace(), { model: true });
    expect({ ...server.attributes, ...model!.attributes }).toMatchObject({ "chat.request.image_count": 2, "chat.request.image_bytes": 2000 });
    expect(JSON.stringify(spans)).not.toContain(png.toString("base64").slice(0, 40));
  });

  test("the API key never appears in an exported byte, even after an upstream 401", async () => {
    await readSse(await postChat(chat.url, userSays(directive({ status: 401 }))));
    await spansOf(lastUpstreamTrace(), { model: true });
    const all = Buffer.concat(rx.bodies).toString("latin1");
    expect(rx.bodies.length).toBeGreaterThan(0);
    expect(all).not.toContain(CANARY_KEY);
    expect(all).not.toContain(CANARY_KEY.slice(0, 12));
    // The fake's 401 quotes a (masked) key, as OpenAI does: it is scrubbed before it reaches a span.
    expect(all).not.toContain("sk-test");
  });
});

describe("tracing options", () => {
  test("OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES set the resource; content capture is opt-in", async () => {
    const own = startOtlpReceiver();
    const traced = await startChat({
      env: {
        OPENAI_BASE_URL: fake.baseURL,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${own.url}/v1/traces`,
        OTEL_BSP_SCHEDULE_DELAY: "20",
        OTEL_SERVICE_NAME: "chat-under-test",
        OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: "true",
      },
    });
    try {
      await readSse(await postChat(traced.url, userSays("what is in a name")));
      const spans = await own.waitFor((all) => all.length >= 2);
      const model = spans.find((s) => s.kind === "CLIENT")!;
      expect(model.resource["service.name"]).toBe("chat-under-test");
      expect(model.resource["deployment.environment.name"]).toBe("test");
      expect(JSON.parse(String(model.attributes["gen_ai.input.messages"]))).toEqual([
        { role: "user", parts: [{ type: "text", content: "what is in a name" }] },
      ]);
    } finally {
      await traced.stop();
      await own.stop();
    }
  });
});
