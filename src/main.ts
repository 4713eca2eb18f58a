import "./lift-fetch-cap.ts"; // first: may exec the process (src/fetch-cap.ts)
import pkg from "../package.json";
import { shuttingDown } from "./errors.ts";
import { ActiveStreams } from "./http/active-answers.ts";
import { Heartbeat } from "./wire/heartbeat.ts";
import { ModelCatalog } from "./http/models.ts";
import { createClient } from "./upstream/stream-completion.ts";
import { ConfigError, helpText, parseArgs } from "./config.ts";
import { openStreamStore } from "./resume/open-store.ts";
import { openHistory } from "./history/open-history.ts";
import { RateLimiter, RedisRateLimiter } from "./security/rate-limit.ts";
import { startServer } from "./server.ts";
import { startTelemetry } from "./telemetry/start-telemetry.ts";
import { versionLine } from "./version.ts";
import { healthcheck } from "./healthcheck.ts";
import { compiled } from "./compiled.ts";

const args = process.argv.slice(2);
if (args[0] === "--healthcheck") process.exit(await healthcheck(args.slice(1), process.env));

let parsed;
try {
  parsed = parseArgs(args, process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(`chat: ${err.message}`);
  process.exit(1);
}
if (parsed.kind === "help") {
  console.log(helpText(compiled ? "chat" : "bun src/main.ts"));
  process.exit(0);
}
if (parsed.kind === "version") {
  console.log(versionLine());
  process.exit(0);
}

const config = parsed.config;
const active = new ActiveStreams();
const client = createClient(config);
const deps = {
  config,
  client,
  models: new ModelCatalog(client, config),
  active,
  heartbeat: new Heartbeat(config.heartbeatMs),
  rateLimiter: config.resume.redisURL
    ? new RedisRateLimiter(config.limits.requestsPerMinute, config.resume.redisURL)
    : new RateLimiter(config.limits.requestsPerMinute),
  telemetry: await startTelemetry(),
  history: openHistory(config.history),
  store: await openStreamStore(config.resume).catch((err: unknown) => {
    console.error(`chat: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }),
};

let server: ReturnType<typeof startServer>;
try {
  server = startServer(deps);
} catch (err) {
  console.error(`chat: cannot listen on ${config.host}:${config.port}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}

const upstream = config.baseURL ?? "https://api.openai.com/v1";
console.log(`chat ${pkg.version} listening on ${server.url} (model ${config.model} at ${upstream})`);
if (config.resume.redisURL) console.log(`chat: answers shared through Redis at ${new URL(config.resume.redisURL).host}`);
if (deps.telemetry) console.log(`chat: tracing to ${new URL(deps.telemetry.endpoint).origin}`);
if (!config.apiKey && !config.baseURL) {
  console.warn("chat: OPENAI_API_KEY is not set: the page will say so and /api/chat answers 503 until it is.");
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`chat: ${signal}: no new requests; waiting up to ${config.shutdownGraceMs} ms for ${active.size} open stream(s)`);
  void server.stop(false);
  await active.drain(config.shutdownGraceMs);
  active.abortAll(shuttingDown());
  // Let the error events flush before the sockets close.
  await Bun.sleep(50);
  await server.stop(true);
  await deps.store.close();
  await deps.history?.close();
  await deps.telemetry?.shutdown();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
