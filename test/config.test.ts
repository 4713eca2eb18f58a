import { describe, expect, test } from "bun:test";
import { ConfigError, DEFAULT_MODEL, helpText, parseArgs } from "../src/config.ts";

const run = (argv: string[], env: Record<string, string> = {}) => {
  const p = parseArgs(argv, env);
  if (p.kind !== "run") throw new Error(`expected run, got ${p.kind}`);
  return p.config;
};

describe("parseArgs", () => {
  test("defaults bind to loopback on port 3000 with the documented model", () => {
    const c = run([]);
    expect(c.port).toBe(3000);
    expect(c.host).toBe("127.0.0.1");
    expect(c.model).toBe(DEFAULT_MODEL);
    expect(c.apiKey).toBeUndefined();
    expect(c.temperature).toBeUndefined();
  });

  test("environment variables configure the server", () => {
    const c = run([], { PORT: "8080", HOST: "0.0.0.0", OPENAI_API_KEY: " sk-x ", OPENAI_BASE_URL: "http://127.0.0.1:11434/v1", OPENAI_MODEL: "llama3", CHAT_TEMPERATURE: "0.2", CHAT_MAX_TOKENS: "500", CHAT_AUTH_TOKEN: "t0ken" });
    expect(c).toMatchObject({ port: 8080, host: "0.0.0.0", apiKey: "sk-x", baseURL: "http://127.0.0.1:11434/v1", model: "llama3", temperature: 0.2, maxTokens: 500 });
  });

  test("flags win over the environment, in both spellings", () => {
    const c = run(["--port", "9000", "--model=qwen"], { PORT: "8080", OPENAI_MODEL: "llama3" });
    expect(c.port).toBe(9000);
    expect(c.model).toBe("qwen");
  });

  test.each([
    [[], { PORT: "abc" }, 'PORT="abc" is not an integer from 0 to 65535'],
    [["--port", "70000"], {}, '--port="70000" is not an integer from 0 to 65535'],
    [[], { CHAT_TEMPERATURE: "hot" }, 'CHAT_TEMPERATURE="hot" is not a number from 0 to 2'],
    [[], { OPENAI_BASE_URL: "localhost:11434" }, "is not an http(s) URL"],
    [["--nope", "1"], {}, "unknown option --nope"],
    [["--port"], {}, "--port needs a value"],
    [["serve"], {}, 'unexpected argument "serve"'],
  ])("bad config %j %j is one clear line", (argv, env, message) => {
    expect(() => parseArgs(argv, env)).toThrow(ConfigError);
    expect(() => parseArgs(argv, env)).toThrow(message);
  });

  test("binding beyond loopback without an access token refuses to start, unless explicitly allowed", () => {
    expect(() => parseArgs([], { HOST: "0.0.0.0" })).toThrow("set CHAT_AUTH_TOKEN, or CHAT_ALLOW_UNAUTHENTICATED=1");
    expect(run([], { HOST: "0.0.0.0", CHAT_ALLOW_UNAUTHENTICATED: "1" }).host).toBe("0.0.0.0");
    expect(run([], { HOST: "::1" }).host).toBe("::1");
  });

  test("per-client limits are on when exposed and off on loopback, unless configured", () => {
    expect(run([]).limits).toMatchObject({ maxStreamsPerClient: 0, requestsPerMinute: 0 });
    expect(run([], { HOST: "0.0.0.0", CHAT_AUTH_TOKEN: "t" }).limits).toMatchObject({ maxStreamsPerClient: 8, requestsPerMinute: 60 });
    expect(run([], { CHAT_REQUESTS_PER_MINUTE: "5" }).limits.requestsPerMinute).toBe(5);
  });

  test("allowed origins and hosts are comma-separated lists", () => {
    const c = run([], { CHAT_ALLOWED_ORIGINS: "https://a.example/, http://b.example:8080", CHAT_ALLOWED_HOSTS: "Chat.Lan" });
    expect(c.security.allowedOrigins).toEqual(["https://a.example", "http://b.example:8080"]);
    expect(c.security.allowedHosts).toEqual(["chat.lan"]);
  });

  test("--help and --version are recognised", () => {
    expect(parseArgs(["--help"], {}).kind).toBe("help");
    expect(parseArgs(["--version"], {}).kind).toBe("version");
    expect(helpText("chat")).toContain("OPENAI_BASE_URL");
  });
});
