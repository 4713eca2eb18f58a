import { describe, expect, test } from "bun:test";
import { Heartbeat } from "../../src/wire/heartbeat.ts";
import { sseResponse } from "../../src/wire/sse-response.ts";

// One connection in process: frames → the exact bytes a client reads, with no server in between.

async function* frames(parts: string[], gapMs = 0): AsyncGenerator<string> {
  for (const p of parts) {
    if (gapMs) await Bun.sleep(gapMs);
    yield p;
  }
}

function respond(source: AsyncIterable<string>, heartbeatMs = 60_000) {
  let closed = 0;
  const reader = new AbortController();
  const res = sseResponse({
    frames: source,
    heartbeat: new Heartbeat(heartbeatMs),
    req: new Request("http://localhost/api/chat"),
    reader,
    headers: { "X-Stream-Id": "s1" },
    onClose: () => void closed++,
  });
  return { res, reader, closed: () => closed };
}

describe("one client's connection to an answer", () => {
  test("`: ok` goes out at once, then each burst as it came, with SSE headers that stop proxies buffering", async () => {
    const { res, closed } = respond(frames(['id: 1\ndata: {"content":"a"}\n\n', "id: 2\ndata: [DONE]\n\n"]));
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    expect(res.headers.get("x-stream-id")).toBe("s1");
    expect(await res.text()).toBe(': ok\n\nid: 1\ndata: {"content":"a"}\n\nid: 2\ndata: [DONE]\n\n');
    expect(closed()).toBe(1);
  });

  test("a silent answer gets `: ping` comments, and none once it speaks again", async () => {
    const { res } = respond(frames(["id: 1\ndata: {}\n\n"], 400), 100);
    const text = await res.text();
    expect(text.startsWith(": ok\n\n: ping\n\n")).toBe(true);
    expect(text.endsWith("id: 1\ndata: {}\n\n")).toBe(true);
  });

  test("a client that goes away closes the connection once, and stops reading the frames", async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<string> {
      for (;;) {
        pulled++;
        await Bun.sleep(10);
        yield "id: 1\ndata: {}\n\n";
      }
    }
    const { res, reader, closed } = respond(endless());
    const body = res.body!.getReader();
    await body.read();
    await body.cancel();
    await Bun.sleep(50);
    expect(closed()).toBe(1);
    expect(reader.signal.aborted).toBe(true);
    const after = pulled;
    await Bun.sleep(50);
    expect(pulled).toBe(after);
  });
});
