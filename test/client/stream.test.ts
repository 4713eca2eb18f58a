import { describe, expect, test } from "bun:test";
import { type ChatStreamEvent, readChatStream, resumeStream, stopAnswer, streamChat } from "../../client/chat/stream.ts";

const encoder = new TextEncoder();

/** A Response whose body arrives as exactly these byte chunks. */
function sseResponse(chunks: Uint8Array[], init: { error?: Error; type?: string } = {}): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else if (init.error) controller.error(init.error);
      else controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": init.type ?? "text/event-stream" } });
}

/** The wire bytes cut at the given offsets. */
function cutAt(bytes: Uint8Array, offsets: number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (const end of [...offsets, bytes.length]) {
    out.push(bytes.slice(start, end));
    start = end;
  }
  return out;
}

async function collect(res: Response): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const e of readChatStream(res)) events.push(e);
  return events;
}

/** Deltas joined into the text the user would see, plus every other event as is. */
function summary(events: ChatStreamEvent[]) {
  const text = events.flatMap((e) => (e.type === "delta" ? [e.content] : [])).join("");
  const rest: ChatStreamEvent[] = events.filter((e) => e.type !== "delta");
  return { text, rest };
}

const usage = { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 };
const finish = `event: finish\ndata: ${JSON.stringify({ finish_reason: "stop", model: "gpt-fake", usage })}\n\n`;
const answer = [
  ": ok\n\n",
  `data: ${JSON.stringify({ content: "Café " })}\n\n`,
  ": ping\n\n",
  `data: ${JSON.stringify({ content: "中文" })}\n\n`,
  `data: ${JSON.stringify({ content: " 😀\nnext line" })}\n\n`,
  finish,
  "data: [DONE]\n\n",
].join("");
const expectedText = "Café 中文 😀\nnext line";
const expectedRest: ChatStreamEvent[] = [
  { type: "finish", finishReason: "stop", model: "gpt-fake", usage },
  { type: "done" },
];

describe("readChatStream", () => {
  for (const [name, eol] of [
    ["LF", "\n"],
    ["CRLF", "\r\n"],
    ["CR", "\r"],
  ] as const) {
    test(`an answer with ${name} line endings reads the same when split at every byte offset`, async () => {
      const bytes = encoder.encode(answer.replaceAll("\n", eol)); // JSON escapes the newline inside content
      expect(new TextDecoder().decode(bytes).replaceAll(eol, "")).not.toMatch(/[\r\n]/);
      for (let at = 0; at <= bytes.length; at++) {
        const s = summary(await collect(sseResponse(cutAt(bytes, [at]))));
        if (s.text !== expectedText) throw new Error(`split at byte ${at}: got ${JSON.stringify(s.text)}`);
        expect(s.rest).toEqual(expectedRest);
      }
    });
  }

  test("an answer fed one byte at a time reads the same", async () => {
    const bytes = encoder.encode(answer);
    const ones = Array.from(bytes, (b) => Uint8Array.of(b));
    const s = summary(await collect(sseResponse(ones)));
    expect(s.text).toBe(expectedText);
    expect(s.rest).toEqual(expectedRest);
  });

  test("an answer split at every pair of offsets inside a 4-byte emoji and its separator reads the same", async () => {
    const bytes = encoder.encode(`data: {"content":"😀"}\r\n\r\ndata: [DONE]\r\n\r\n`);
    for (let a = 0; a <= bytes.length; a++) {
      for (let b = a; b <= bytes.length; b++) {
        const s = summary(await collect(sseResponse(cutAt(bytes, [a, b]))));
        if (s.text !== "😀") throw new Error(`split at ${a},${b}: got ${JSON.stringify(s.text)}`);
        expect(s.rest).toEqual([{ type: "done" }]);
      }
    }
  });

  test("comments and pings produce no events", async () => {
    const events = await collect(sseResponse([encoder.encode(": ok\n\n: ping\n\n:\n\ndata: [DONE]\n\n")]));
    expect(events).toEqual([{ type: "done" }]);
  });

  test("an error event ends the answer with the server's message, after the partial text", async () => {
    const error = { message: "The model provider is overloaded.", type: "upstream_error", status: 503, retry_after: 2 };
    const wire = `: ok\n\ndata: {"content":"Half"}\n\nevent: error\ndata: ${JSON.stringify(error)}\n\n`;
    const bytes = encoder.encode(wire);
    for (let at = 0; at <= bytes.length; at++) {
      const s = summary(await collect(sseResponse(cutAt(bytes, [at]))));
      expect(s.text).toBe("Half");
      expect(s.rest).toEqual([
        { type: "error", error: { message: error.message, type: "upstream_error", status: 503, retryAfter: 2 } },
      ]);
    }
  });

  test("a stream that ends without [DONE] is a lost connection, at any cut point", async () => {
    const bytes = encoder.encode(answer.slice(0, answer.indexOf("data: [DONE]")));
    for (let at = 0; at <= bytes.length; at++) {
      const events = await collect(sseResponse(cutAt(bytes, [at])));
      expect(events.at(-1)).toEqual({
        type: "error",
        error: { message: "The connection closed before the answer was complete.", type: "connection_lost", status: 0 },
      });
      expect(summary(events).text).toBe(expectedText);
    }
  });

  test("a half-received event at the end of the stream is dropped, not half-shown", async () => {
    const events = await collect(sseResponse([encoder.encode('data: {"content":"seen"}\n\ndata: {"content":"unse')]));
    expect(summary(events).text).toBe("seen");
    expect(events.at(-1)?.type).toBe("error");
  });

  test("a body that fails mid-stream keeps the text and reports a lost connection", async () => {
    const res = sseResponse([encoder.encode('data: {"content":"partial"}\n\n')], { error: new TypeError("network") });
    const events = await collect(res);
    expect(summary(events).text).toBe("partial");
    expect(events.at(-1)).toMatchObject({ type: "error", error: { type: "connection_lost" } });
  });

  test("events after [DONE] are ignored", async () => {
    const events = await collect(sseResponse([encoder.encode('data: [DONE]\n\ndata: {"content":"late"}\n\n')]));
    expect(events).toEqual([{ type: "done" }]);
  });

  test("named events this client does not know are skipped", async () => {
    const wire = 'event: usage\ndata: {"x":1}\n\ndata: {"content":"ok"}\n\ndata: [DONE]\n\n';
    const events = await collect(sseResponse([encoder.encode(wire)]));
    expect(events).toEqual([{ type: "delta", content: "ok" }, { type: "done" }]);
  });

  test("data that is not the expected JSON is a protocol error", async () => {
    const events = await collect(sseResponse([encoder.encode("data: <html>\n\n")]));
    expect(events).toEqual([
      { type: "error", error: { message: "The answer could not be read: a message was not valid JSON.", type: "protocol_error", status: 0 } },
    ]);
  });

  test("a body that is not an event stream is a protocol error", async () => {
    const events = await collect(sseResponse([encoder.encode("<html>")], { type: "text/html" }));
    expect(events).toMatchObject([{ type: "error", error: { type: "protocol_error" } }]);
  });

  test("each delta and finish carries its SSE id, to re-attach after it", async () => {
    const wire = ': ok\n\nid: 1\ndata: {"content":"a"}\n\nid: 2\nevent: finish\ndata: {"finish_reason":"stop"}\n\nid: 3\ndata: [DONE]\n\n';
    expect(await collect(sseResponse([encoder.encode(wire)]))).toEqual([
      { type: "delta", content: "a", eventId: "1" },
      { type: "finish", finishReason: "stop", model: undefined, usage: undefined, eventId: "2" },
      { type: "done" },
    ]);
  });

  test("a 1 MiB delta arrives whole", async () => {
    const big = "x".repeat(1024 * 1024);
    const bytes = encoder.encode(`data: ${JSON.stringify({ content: big })}\n\ndata: [DONE]\n\n`);
    const chunks = cutAt(bytes, Array.from({ length: 64 }, (_, i) => (i + 1) * 16_384));
    const s = summary(await collect(sseResponse(chunks)));
    expect(s.text.length).toBe(big.length);
    expect(s.rest).toEqual([{ type: "done" }]);
  });
});

describe("streamChat", () => {
  const fetchReturning = (res: Response | Error) =>
    (async () => {
      if (res instanceof Error) throw res;
      return res;
    }) as unknown as typeof fetch;
  const run = async (f: typeof fetch, signal = new AbortController().signal) => {
    const events: ChatStreamEvent[] = [];
    for await (const e of streamChat({ messages: [{ role: "user", content: "hi" }], signal, fetch: f })) events.push(e);
    return events;
  };

  test("posts the conversation as JSON", async () => {
    let sent: RequestInit | undefined;
    const f = (async (url: string, init: RequestInit) => {
      expect(url).toBe("/api/chat");
      sent = init;
      return sseResponse([encoder.encode("data: [DONE]\n\n")]);
    }) as unknown as typeof fetch;
    expect(await run(f)).toEqual([{ type: "done" }]);
    expect(sent?.method).toBe("POST");
    expect(new Headers(sent?.headers).get("content-type")).toBe("application/json");
    expect(JSON.parse(String(sent?.body))).toEqual({ messages: [{ role: "user", content: "hi" }] });
  });

  test("the server's id for the answer comes first, from X-Stream-Id", async () => {
    const res = sseResponse([encoder.encode("data: [DONE]\n\n")]);
    res.headers.set("X-Stream-Id", "abc-123");
    expect(await run(fetchReturning(res))).toEqual([{ type: "start", id: "abc-123" }, { type: "done" }]);
  });

  test("the access token goes in the Authorization header, and no header goes without one", async () => {
    const seen: Array<string | null> = [];
    const f = (async (_url: string, init: RequestInit) => {
      seen.push(new Headers(init.headers).get("authorization"));
      return sseResponse([encoder.encode("data: [DONE]\n\n")]);
    }) as unknown as typeof fetch;
    const signal = new AbortController().signal;
    for await (const _ of streamChat({ messages: [], signal, token: "s3cret", fetch: f }));
    for await (const _ of streamChat({ messages: [], signal, fetch: f }));
    await stopAnswer("x", { token: "s3cret", fetch: f });
    expect(seen).toEqual(["Bearer s3cret", null, "Bearer s3cret"]);
  });

  test("stopAnswer sends DELETE /api/chat/{id}, and a failure to send is not thrown", async () => {
    const seen: Array<[string, string | undefined]> = [];
    const f = (async (url: string, init: RequestInit) => {
      seen.push([url, init.method]);
      return new Response(null, { status: 204 });
    }) as unknown as typeof fetch;
    await stopAnswer("a/b", { fetch: f });
    expect(seen).toEqual([["/api/chat/a%2Fb", "DELETE"]]);
    await stopAnswer("x", { fetch: fetchReturning(new TypeError("offline")) });
  });

  test("a JSON error answer becomes an error event with the server's message and Retry-After", async () => {
    const body = { error: { message: "Too many answers at once.", type: "too_many_streams", status: 429 } };
    const res = Response.json(body, { status: 429, headers: { "Retry-After": "3" } });
    expect(await run(fetchReturning(res))).toEqual([
      { type: "error", error: { message: "Too many answers at once.", type: "too_many_streams", status: 429, retryAfter: 3 } },
    ]);
  });

  test("a non-JSON error answer (a proxy's page) still gives a readable error", async () => {
    const res = new Response("<h1>Bad gateway</h1>", { status: 502, statusText: "Bad Gateway" });
    expect(await run(fetchReturning(res))).toEqual([
      { type: "error", error: { message: "The server answered 502 Bad Gateway.", type: "server_error", status: 502 } },
    ]);
  });

  test("a server that cannot be reached is a network error", async () => {
    const events = await run(fetchReturning(new TypeError("Failed to fetch")));
    expect(events).toMatchObject([{ type: "error", error: { type: "network_error", status: 0 } }]);
  });

  test("the caller's own abort is thrown, not reported as a failure", async () => {
    const ctrl = new AbortController();
    ctrl.abort();
    const abortError = new DOMException("aborted", "AbortError");
    await expect(run(fetchReturning(abortError), ctrl.signal)).rejects.toBe(abortError);
  });
});

describe("resumeStream", () => {
  const signal = new AbortController().signal;
  const run = async (f: typeof fetch, opts: { lastEventId?: string; token?: string } = {}) => {
    const events: ChatStreamEvent[] = [];
    for await (const e of resumeStream({ id: "a/b", signal, fetch: f, ...opts })) events.push(e);
    return events;
  };

  test("re-attaches with GET /api/chat/{id}/stream, Last-Event-ID and the token, and reads on", async () => {
    let url = "";
    let headers = new Headers();
    const f = (async (u: string, init: RequestInit) => {
      url = u;
      headers = new Headers(init.headers);
      const res = sseResponse([encoder.encode('id: 5\ndata: {"content":"rest"}\n\nid: 6\ndata: [DONE]\n\n')]);
      res.headers.set("X-Stream-Id", "a/b");
      return res;
    }) as unknown as typeof fetch;
    expect(await run(f, { lastEventId: "4", token: "tok" })).toEqual([
      { type: "start", id: "a/b" },
      { type: "delta", content: "rest", eventId: "5" },
      { type: "done" },
    ]);
    expect(url).toBe("/api/chat/a%2Fb/stream");
    expect(headers.get("last-event-id")).toBe("4");
    expect(headers.get("authorization")).toBe("Bearer tok");
  });

  test("without a last id it asks for the whole answer (no Last-Event-ID header)", async () => {
    let headers = new Headers();
    const f = (async (_: string, init: RequestInit) => {
      headers = new Headers(init.headers);
      return sseResponse([encoder.encode("data: [DONE]\n\n")]);
    }) as unknown as typeof fetch;
    await run(f);
    expect(headers.has("last-event-id")).toBe(false);
  });

  test("an answer the server no longer knows is a stream_not_found error", async () => {
    const body = { error: { message: "No such stream.", type: "stream_not_found", status: 404 } };
    const f = (async () => Response.json(body, { status: 404 })) as unknown as typeof fetch;
    expect(await run(f)).toEqual([{ type: "error", error: body.error }]);
  });
});
