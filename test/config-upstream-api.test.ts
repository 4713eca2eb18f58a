import { expect, test } from "bun:test";
import { ConfigError, parseArgs, speaksResponses } from "../src/config.ts";

const api = (env: Record<string, string>, argv: string[] = []) => {
  const parsed = parseArgs(argv, env);
  return parsed.kind === "run" ? parsed.config.upstreamApi : undefined;
};

test("auto speaks the Responses API to OpenAI and Azure OpenAI's v1 API, Chat Completions to everything else", () => {
  expect(api({})).toBe("responses");
  expect(api({ OPENAI_BASE_URL: "https://api.openai.com/v1" })).toBe("responses");
  expect(api({ OPENAI_BASE_URL: "https://my-res.openai.azure.com/openai/v1/" })).toBe("responses");
  expect(speaksResponses("https://my-res.cognitiveservices.azure.com/openai/v1")).toBe(true);
  expect(speaksResponses("https://my-res.openai.azure.com/openai/deployments/gpt")).toBe(false);
  expect(api({ OPENAI_BASE_URL: "http://127.0.0.1:11434/v1" })).toBe("chat");
  expect(api({ OPENAI_BASE_URL: "https://openrouter.ai/api/v1" })).toBe("chat");
});

test("CHAT_UPSTREAM_API and --upstream-api force a protocol; anything else is a one-line error", () => {
  expect(api({ CHAT_UPSTREAM_API: "responses", OPENAI_BASE_URL: "http://127.0.0.1:8000/v1" })).toBe("responses");
  expect(api({ CHAT_UPSTREAM_API: "responses" }, ["--upstream-api", "chat"])).toBe("chat");
  expect(() => api({ CHAT_UPSTREAM_API: "completions" })).toThrow(new ConfigError('CHAT_UPSTREAM_API="completions" is not one of chat, responses, auto'));
});
