import { describe, expect, test } from "bun:test";
import { DONE, encodeComment, encodeContent, encodeEvent, formatEvent, SSE_HEADERS } from "../../src/chat/sse.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("SSE encoder", () => {
  test("a delta is the seed's exact bytes", () => {
    expect(text(encodeContent("Why"))).toBe('data: {"content":"Why"}\n\n');
  });

  test("newlines and quotes inside content stay on one data line", () => {
    expect(text(encodeContent('a\nb "c"\r\n'))).toBe('data: {"content":"a\\nb \\"c\\"\\r\\n"}\n\n');
  });

  test("the end marker is the seed's [DONE]", () => {
    expect(text(DONE)).toBe("data: [DONE]\n\n");
  });

  test("multi-line data becomes several data lines", () => {
    expect(formatEvent({ data: "one\ntwo\r\nthree\rfour" })).toBe("data: one\ndata: two\ndata: three\ndata: four\n\n");
  });

  test("named events carry event and id before data", () => {
    expect(text(encodeEvent({ event: "error", id: "7", data: "{}" }))).toBe("event: error\nid: 7\ndata: {}\n\n");
  });

  test("an event name or id with a line break is refused, so it cannot inject fields", () => {
    expect(() => formatEvent({ event: "error\ndata: x", data: "" })).toThrow("must not contain a line break");
    expect(() => formatEvent({ id: "1\r2", data: "" })).toThrow("must not contain a line break");
  });

  test("a comment cannot break out of its line", () => {
    expect(text(encodeComment("ping\n\ndata: evil"))).toBe(": ping data: evil\n\n");
  });

  test("headers stop proxy buffering and caching", () => {
    expect(SSE_HEADERS["Content-Type"]).toBe("text/event-stream");
    expect(SSE_HEADERS["Cache-Control"]).toContain("no-cache");
    expect(SSE_HEADERS["X-Accel-Buffering"]).toBe("no");
  });
});
