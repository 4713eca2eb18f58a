import { describe, expect, test } from "bun:test";
import { formatComment, formatEvent, SSE_HEADERS } from "../../src/wire/sse.ts";

describe("SSE encoder", () => {
  test("the end marker is the seed's [DONE]", () => {
    expect(formatEvent({ data: "[DONE]" })).toBe("data: [DONE]\n\n");
  });

  test("multi-line data becomes several data lines", () => {
    expect(formatEvent({ data: "one\ntwo\r\nthree\rfour" })).toBe("data: one\ndata: two\ndata: three\ndata: four\n\n");
  });

  test("named events carry event and id before data", () => {
    expect(formatEvent({ event: "error", id: "7", data: "{}" })).toBe("event: error\nid: 7\ndata: {}\n\n");
  });

  test("an event name or id with a line break is refused, so it cannot inject fields", () => {
    expect(() => formatEvent({ event: "error\ndata: x", data: "" })).toThrow("must not contain a line break");
    expect(() => formatEvent({ id: "1\r2", data: "" })).toThrow("must not contain a line break");
  });

  test("a comment cannot break out of its line", () => {
    expect(formatComment("ping\n\ndata: evil")).toBe(": ping data: evil\n\n");
  });

  test("headers stop proxy buffering and caching", () => {
    expect(SSE_HEADERS["Content-Type"]).toBe("text/event-stream");
    expect(SSE_HEADERS["Cache-Control"]).toContain("no-cache");
    expect(SSE_HEADERS["X-Accel-Buffering"]).toBe("no");
  });
});
