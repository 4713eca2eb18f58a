import { expect, test } from "bun:test";
import { ChatError, errorResponse, redact } from "../src/errors.ts";

test("an error response is OpenAI-shaped JSON with Retry-After when known", async () => {
  const res = errorResponse(new ChatError("rate_limited", "slow down", { retryAfter: 20 }));
  expect(res.status).toBe(429);
  expect(res.headers.get("retry-after")).toBe("20");
  expect(await res.json()).toEqual({ error: { message: "slow down", type: "rate_limited", status: 429, retry_after: 20 } });
});

test("redact removes the configured key, key-shaped strings and bearer tokens", () => {
  const out = redact("key sk-proj-abcdefgh12345 and MYSECRETKEY and Bearer abc.def", "MYSECRETKEY");
  expect(out).not.toContain("abcdefgh12345");
  expect(out).not.toContain("MYSECRETKEY");
  expect(out).not.toContain("abc.def");
  expect(out).toContain("[redacted");
});

test("each error type has its status; an upstream error may keep the upstream's own 4xx", () => {
  expect(new ChatError("request_too_large", "x").status).toBe(413);
  expect(new ChatError("resume_unavailable", "x").status).toBe(409);
  expect(new ChatError("upstream_error", "x").status).toBe(502);
  expect(new ChatError("upstream_error", "x", { status: 400 }).status).toBe(400);
});
