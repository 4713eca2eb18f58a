import { readFileSync } from "node:fs";
import { type OwnerToken, parseOwnerTokens } from "./security/owners.ts";

/** The `reasoning_effort` values OpenAI-compatible servers accept (OpenAI, Azure, vLLM, Groq, xAI, OpenRouter). */
export const REASONING_EFFORTS = ["none", "minimal", "low", "medium", "high"] as const;
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number];

/** The upstream protocol: Chat Completions, or the Responses API (OpenAI's reasoning summaries). */
export type UpstreamApi = "chat" | "responses";

/** Per-conversation settings a client may send beside the messages, over the server's own (a seed client sends none). */
export interface RequestSettings {
  model?: string;
  temperature?: number;
  maxTokens?: number;
  reasoningEffort?: ReasoningEffort;
}

/** Everything the server needs to know, read once from the environment and the command line. */
export interface Config {
  port: number;
  host: string;
  apiKey: string | undefined;
  baseURL: string | undefined;
  model: string;
  /** Models a client may choose; empty: whatever the upstream lists. */
  models: string[];
  systemPrompt: string | undefined;
  temperature: number | undefined;
  maxTokens: number | undefined;
  /** How hard a reasoning model thinks; sent upstream only when set. */
  reasoningEffort: ReasoningEffort | undefined;
  /** `auto` is settled at startup: Responses for OpenAI's own API and Azure OpenAI's v1 API. */
  upstreamApi: UpstreamApi;
  limits: Limits;
  security: Security;
  resume: Resume;
  history: History;
  /** A `: ping` comment goes out when a stream has been silent this long. */
  heartbeatMs: number;
  /** Time allowed for the upstream to answer with headers (the SDK's `timeout`). */
  upstreamTimeoutMs: number;
  /** Retries of a failed upstream call, only ever before the first token. */
  upstreamRetries: number;
  /** On SIGTERM/SIGINT, how long open streams may go on before they are cut. */
  shutdownGraceMs: number;
  development: boolean;
}

export interface Limits {
  maxBodyBytes: number;
  /** Largest image (decoded bytes) one content part may carry. */
  maxImageBytes: number;
  /** Most images in one request. */
  maxImages: number;
  /** `http(s):` image URLs passed to the upstream (which fetches them); off: only `data:` URLs. */
  allowImageUrls: boolean;
  maxMessages: number;
  maxChars: number;
  maxStreams: number;
  maxStreamsPerClient: number;
  requestsPerMinute: number;
  bodyTimeoutMs: number;
}

export interface Security {
  /** When set, every /api call needs `Authorization: Bearer <token>`. */
  authToken: string | undefined;
  /** Each token an owner (CHAT_AUTH_TOKEN, CHAT_AUTH_TOKENS_FILE), kept as digests; empty: no token needed. */
  owners: OwnerToken[];
  /** Origins besides the server's own that may POST (browser cross-site requests). */
  allowedOrigins: string[];
  /** Host names besides loopback ones accepted while bound to loopback (DNS-rebinding defence). */
  allowedHosts: string[];
}

export interface Resume {
  /** How long an answer goes on with no client reading it, waiting for a re-attach. 0 = abort at once. */
  graceMs: number;
  /** How long a finished answer stays re-attachable. */
  ttlMs: number;
  maxEventsPerStream: number;
  maxBytesPerStream: number;
  maxBytesTotal: number;
  /** Several instances share answers through Redis when set. */
  redisURL: string | undefined;
}

export interface History {
  /** Conversations and answers saved on the server (CHAT_HISTORY=on); off: browser-only, as before. */
  enabled: boolean;
  /** Where the SQLite database lives. */
  dataDir: string;
  /** DATABASE_URL: a postgres:// URL keeps history in Postgres instead (several instances, one database). */
  databaseUrl?: string | undefined;
}

export type ParsedArgs = { kind: "run"; config: Config } | { kind: "help" } | { kind: "version" };

/** A configuration mistake: main prints the message on one line and exits 1. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export const DEFAULT_MODEL = "gpt-5-mini";

interface Option {
  flag: string;
  env: string;
  help: string;
  fallback?: string;
}

// The API key has no flag on purpose: command lines are visible to every user through `ps`.
export const OPTIONS: Option[] = [
  { flag: "port", env: "PORT", help: "port to listen on", fallback: "3000" },
  { flag: "host", env: "HOST", help: "address to bind; 0.0.0.0 exposes the chat to your network", fallback: "127.0.0.1" },
  { flag: "base-url", env: "OPENAI_BASE_URL", help: "OpenAI-compatible API root, e.g. http://127.0.0.1:11434/v1 for Ollama" },
  { flag: "model", env: "OPENAI_MODEL", help: "model name sent upstream", fallback: DEFAULT_MODEL },
  { flag: "models", env: "CHAT_MODELS", help: "models the page may choose from, comma-separated (default: all the upstream lists)" },
  { flag: "system-prompt", env: "CHAT_SYSTEM_PROMPT", help: "system message prepended to every conversation" },
  { flag: "temperature", env: "CHAT_TEMPERATURE", help: "sampling temperature 0–2 (omitted: the model's default)" },
  { flag: "max-tokens", env: "CHAT_MAX_TOKENS", help: "cap on tokens per answer, also for what a client asks (omitted: the model's default)" },
  { flag: "reasoning-effort", env: "CHAT_REASONING_EFFORT", help: "reasoning effort for reasoning models: none, minimal, low, medium or high (omitted: the model's default)" },
  { flag: "upstream-api", env: "CHAT_UPSTREAM_API", help: "upstream protocol: chat (Chat Completions), responses (the Responses API, for reasoning summaries) or auto (responses for OpenAI and Azure OpenAI's v1 API, chat otherwise)", fallback: "auto" },
  { flag: "max-body-bytes", env: "CHAT_MAX_BODY_BYTES", help: "largest accepted request body (images included, base64)", fallback: String(32 * 1024 * 1024) },
  { flag: "max-image-bytes", env: "CHAT_MAX_IMAGE_BYTES", help: "largest image in a message, in bytes", fallback: String(10 * 1024 * 1024) },
  { flag: "max-images", env: "CHAT_MAX_IMAGES", help: "most images in one request", fallback: "16" },
  { flag: "allow-image-urls", env: "CHAT_ALLOW_IMAGE_URLS", help: "accept http(s) image URLs, which the upstream fetches: on or off (off: images only as data: URLs)", fallback: "off" },
  { flag: "max-messages", env: "CHAT_MAX_MESSAGES", help: "most messages in one request", fallback: "500" },
  { flag: "max-chars", env: "CHAT_MAX_CHARS", help: "most characters of content in one request", fallback: "400000" },
  { flag: "max-streams", env: "CHAT_MAX_STREAMS", help: "concurrent answers before new ones get 429", fallback: "20000" },
  { flag: "max-streams-per-client", env: "CHAT_MAX_STREAMS_PER_CLIENT", help: "concurrent answers per client address, 0 = no limit [8 when exposed, 0 on loopback]" },
  { flag: "requests-per-minute", env: "CHAT_REQUESTS_PER_MINUTE", help: "chat requests a minute per client address, 0 = no limit [60 when exposed, 0 on loopback]" },
  { flag: "body-timeout-ms", env: "CHAT_BODY_TIMEOUT_MS", help: "time allowed to receive a request body", fallback: "30000" },
  { flag: "allowed-origins", env: "CHAT_ALLOWED_ORIGINS", help: "extra origins allowed to call the API, comma-separated" },
  { flag: "allowed-hosts", env: "CHAT_ALLOWED_HOSTS", help: "extra Host names accepted when bound to loopback, comma-separated" },
  { flag: "resume-grace-s", env: "CHAT_RESUME_GRACE_S", help: "seconds an answer goes on after its reader disconnects, for a re-attach (0 = stop at once)", fallback: "30" },
  { flag: "resume-ttl-s", env: "CHAT_RESUME_TTL_S", help: "seconds a finished answer stays re-attachable", fallback: "120" },
  { flag: "resume-max-events", env: "CHAT_RESUME_MAX_EVENTS", help: "events kept per answer", fallback: "200000" },
  { flag: "resume-max-stream-bytes", env: "CHAT_RESUME_MAX_STREAM_BYTES", help: "bytes kept per answer", fallback: String(16 * 1024 * 1024) },
  { flag: "resume-max-bytes", env: "CHAT_RESUME_MAX_BYTES", help: "bytes kept for all answers of this instance", fallback: String(512 * 1024 * 1024) },
  { flag: "redis-url", env: "REDIS_URL", help: "share answers between instances through Redis, e.g. redis://127.0.0.1:6379" },
  { flag: "history", env: "CHAT_HISTORY", help: "keep conversations on the server (off: in each browser only): on or off", fallback: "on" },
  { flag: "data-dir", env: "CHAT_DATA_DIR", help: "where the history database lives [$XDG_DATA_HOME/bun-chat, else ~/.local/share/bun-chat]" },
  { flag: "database-url", env: "DATABASE_URL", help: "keep history in Postgres instead of SQLite: postgres://user:password@host:5432/db" },
  { flag: "heartbeat-ms", env: "CHAT_HEARTBEAT_MS", help: "idle time before a `: ping` keeps a stream open", fallback: "4000" },
  { flag: "upstream-timeout-ms", env: "CHAT_UPSTREAM_TIMEOUT_MS", help: "time for the upstream to start answering", fallback: "600000" },
  { flag: "upstream-retries", env: "CHAT_UPSTREAM_RETRIES", help: "retries before the first token (429, 5xx, network)", fallback: "2" },
  { flag: "shutdown-grace-ms", env: "CHAT_SHUTDOWN_GRACE_MS", help: "how long open streams may finish on SIGTERM", fallback: "10000" },
];

export function helpText(name: string): string {
  const rows = OPTIONS.map((o) => {
    const def = o.fallback !== undefined ? ` [${o.fallback}]` : "";
    return `  --${o.flag} <value>   (env ${o.env})\n      ${o.help}${def}`;
  });
  return [
    `Usage: ${name} [options]`,
    "",
    "Streams answers from OpenAI or any OpenAI-compatible server to the browser.",
    "Every option can also be given by its environment variable; flags win.",
    "",
    ...rows,
    "  --help       this text",
    "  --version    print the version",
    "",
    "Secrets come from the environment only (command lines are visible in `ps`):",
    "  OPENAI_API_KEY    the upstream API key (a local server such as Ollama needs none)",
    "  CHAT_AUTH_TOKEN   if set, API calls need `Authorization: Bearer <token>`; required when",
    "                    HOST is not a loopback address, unless CHAT_ALLOW_UNAUTHENTICATED=1",
  ].join("\n");
}

/** Reads flags (`--port 8080` or `--port=8080`) over environment variables over defaults. */
export function parseArgs(argv: readonly string[], env: Record<string, string | undefined>): ParsedArgs {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") return { kind: "help" };
    if (arg === "--version" || arg === "-v") return { kind: "version" };
    if (!arg.startsWith("--")) throw new ConfigError(`unexpected argument "${arg}" (see --help)`);
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (!OPTIONS.some((o) => o.flag === name)) throw new ConfigError(`unknown option --${name} (see --help)`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined) throw new ConfigError(`--${name} needs a value`);
    flags.set(name, value);
  }

  const raw = (flag: string): { value: string | undefined; source: string } => {
    const opt = OPTIONS.find((o) => o.flag === flag)!;
    if (flags.has(flag)) return { value: flags.get(flag), source: `--${flag}` };
    const fromEnv = env[opt.env];
    if (fromEnv !== undefined && fromEnv.trim() !== "") return { value: fromEnv.trim(), source: opt.env };
    return { value: opt.fallback, source: `default of ${opt.env}` };
  };
  const text = (flag: string) => raw(flag).value;
  const int = (flag: string, min: number, max: number) => num(flag, { min, max, integer: true });
  const num = (flag: string, range: { min: number; max: number; integer?: boolean }): number | undefined => {
    const { value, source } = raw(flag);
    if (value === undefined) return undefined;
    const n = Number(value);
    const ok = value !== "" && Number.isFinite(n) && (!range.integer || Number.isInteger(n));
    if (!ok || n < range.min || n > range.max) {
      const kind = range.integer ? "an integer" : "a number";
      throw new ConfigError(`${source}="${value}" is not ${kind} from ${range.min} to ${range.max}`);
    }
    return n;
  };

  const baseURL = text("base-url");
  if (baseURL !== undefined && !/^https?:$/.test(URL.parse(baseURL)?.protocol ?? "")) {
    throw new ConfigError(`${raw("base-url").source}="${baseURL}" is not an http(s) URL (e.g. http://127.0.0.1:11434/v1)`);
  }
  const apiKey = env.OPENAI_API_KEY?.trim() || undefined;
  const authToken = env.CHAT_AUTH_TOKEN?.trim() || undefined;
  const owners = ownerTokens(authToken, env.CHAT_AUTH_TOKENS_FILE?.trim() || undefined);
  const host = text("host")!;
  if (!isLoopback(host) && owners.length === 0 && env.CHAT_ALLOW_UNAUTHENTICATED !== "1") {
    throw new ConfigError(
      `HOST=${host} exposes the chat (and your API key's budget) beyond this machine: set CHAT_AUTH_TOKEN, or CHAT_ALLOW_UNAUTHENTICATED=1 if a proxy in front authenticates`,
    );
  }
  const list = (flag: string) =>
    (text(flag) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);

  return {
    kind: "run",
    config: {
      port: int("port", 0, 65535)!,
      host,
      apiKey,
      baseURL,
      model: text("model")!,
      models: list("models"),
      systemPrompt: text("system-prompt"),
      temperature: num("temperature", { min: 0, max: 2 }),
      maxTokens: int("max-tokens", 1, 10_000_000),
      reasoningEffort: reasoningEffort(raw("reasoning-effort")),
      upstreamApi: upstreamApi(raw("upstream-api"), baseURL),
      limits: {
        maxBodyBytes: int("max-body-bytes", 1024, 1024 * 1024 * 1024)!,
        maxImageBytes: int("max-image-bytes", 1024, 1024 * 1024 * 1024)!,
        maxImages: int("max-images", 0, 10_000)!,
        allowImageUrls: onOff(raw("allow-image-urls")),
        maxMessages: int("max-messages", 1, 100_000)!,
        maxChars: int("max-chars", 1, 100_000_000)!,
        maxStreams: int("max-streams", 1, 1_000_000)!,
        // On loopback every client is this machine's user; exposed, one address must not starve the rest.
        maxStreamsPerClient: int("max-streams-per-client", 0, 1_000_000) ?? (isLoopback(host) ? 0 : 8),
        requestsPerMinute: int("requests-per-minute", 0, 1_000_000) ?? (isLoopback(host) ? 0 : 60),
        bodyTimeoutMs: int("body-timeout-ms", 100, 3_600_000)!,
      },
      security: {
        authToken,
        owners,
        allowedOrigins: list("allowed-origins").map((o) => o.replace(/\/+$/, "").toLowerCase()),
        allowedHosts: list("allowed-hosts").map((h) => h.toLowerCase()),
      },
      resume: {
        graceMs: num("resume-grace-s", { min: 0, max: 86_400 })! * 1000,
        ttlMs: num("resume-ttl-s", { min: 0.1, max: 86_400 })! * 1000,
        maxEventsPerStream: int("resume-max-events", 10, 100_000_000)!,
        maxBytesPerStream: int("resume-max-stream-bytes", 1024, 1024 ** 4)!,
        maxBytesTotal: int("resume-max-bytes", 1024, 1024 ** 4)!,
        redisURL: redisURL(text("redis-url")),
      },
      history: { enabled: onOff(raw("history")), dataDir: text("data-dir") ?? defaultDataDir(env), databaseUrl: text("database-url") },
      heartbeatMs: int("heartbeat-ms", 100, 3_600_000)!,
      upstreamTimeoutMs: int("upstream-timeout-ms", 100, 86_400_000)!,
      upstreamRetries: int("upstream-retries", 0, 10)!,
      shutdownGraceMs: int("shutdown-grace-ms", 0, 3_600_000)!,
      development: env.NODE_ENV === "development",
    },
  };
}

function reasoningEffort({ value, source }: { value: string | undefined; source: string }): ReasoningEffort | undefined {
  if (value === undefined || value === "") return undefined;
  if (!(REASONING_EFFORTS as readonly string[]).includes(value)) {
    throw new ConfigError(`${source}="${value}" is not one of ${REASONING_EFFORTS.join(", ")}`);
  }
  return value as ReasoningEffort;
}

function onOff({ value, source }: { value: string | undefined; source: string }): boolean {
  if (value === "on" || value === "1" || value === "true") return true;
  if (value === "off" || value === "0" || value === "false" || value === undefined) return false;
  throw new ConfigError(`${source}="${value}" is not on or off`);
}

/**
 * The XDG data dir, not a folder beside the binary or the working directory: the one executable is run
 * from anywhere (dist/, ~/Downloads, a unit whose working directory is /), and history must not split
 * per folder or land where the user cannot write. Containers set CHAT_DATA_DIR=/data.
 */
function defaultDataDir(env: Record<string, string | undefined>): string {
  const xdg = env.XDG_DATA_HOME?.trim();
  if (xdg && xdg.startsWith("/")) return `${xdg}/bun-chat`;
  const home = env.HOME?.trim();
  return home ? `${home}/.local/share/bun-chat` : "chat-data";
}

/** Every owner's token: CHAT_AUTH_TOKEN's list, then the file's lines; one list either way. */
function ownerTokens(inline: string | undefined, file: string | undefined): OwnerToken[] {
  let text = inline ?? "";
  if (file !== undefined) {
    try {
      text += `\n${readFileSync(file, "utf8")}`;
    } catch (err) {
      throw new ConfigError(`CHAT_AUTH_TOKENS_FILE="${file}" cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  try {
    return parseOwnerTokens(text, file === undefined ? "CHAT_AUTH_TOKEN" : "CHAT_AUTH_TOKEN/CHAT_AUTH_TOKENS_FILE");
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }
}

function upstreamApi({ value, source }: { value: string | undefined; source: string }, baseURL: string | undefined): UpstreamApi {
  if (value === "chat" || value === "responses") return value;
  if (value !== "auto") throw new ConfigError(`${source}="${value}" is not one of chat, responses, auto`);
  return speaksResponses(baseURL) ? "responses" : "chat";
}

/**
 * Servers known to stream reasoning summaries through the Responses API: OpenAI's own (no base URL,
 * or api.openai.com) and Azure OpenAI's v1 API (`https://{resource}.openai.azure.com/openai/v1`, also
 * on cognitiveservices.azure.com and AI Foundry's services.ai.azure.com). Others implement it unevenly.
 */
export function speaksResponses(baseURL: string | undefined): boolean {
  if (baseURL === undefined) return true;
  const url = URL.parse(baseURL);
  if (!url) return false;
  const host = url.hostname.toLowerCase();
  if (host === "api.openai.com") return true;
  const azure = /\.(openai\.azure\.com|cognitiveservices\.azure\.com|services\.ai\.azure\.com)$/.test(host);
  return azure && /^\/openai\/v1\/?$/.test(url.pathname);
}

function redisURL(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!/^(redis|rediss|valkey|valkeys):$/.test(URL.parse(value)?.protocol ?? "")) {
    throw new ConfigError(`REDIS_URL="${value.replace(/\/\/[^@/]*@/, "//…@")}" is not a redis:// URL`);
  }
  return value;
}

/** True for addresses only this machine can reach: the ones that need no authentication. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}
