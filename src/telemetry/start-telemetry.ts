import { ROOT_CONTEXT, type TextMapGetter, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { defaultResource, detectResources, envDetector, resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import pkg from "../../package.json";
import { ChatTrace } from "./chat-trace.ts";

/** Longest a shutdown waits for the last spans: a dead collector must not hold the exit. */
const FLUSH_LIMIT_MS = 3000;

const headerGetter: TextMapGetter<Headers> = {
  get: (carrier, key) => carrier.get(key) ?? undefined,
  keys: (carrier) => [...carrier.keys()],
};

/** A running tracer: one ChatTrace per chat request, and a bounded flush at shutdown. */
export class Telemetry {
  readonly endpoint: string;
  readonly #provider: BasicTracerProvider;
  readonly #tracer: Tracer;
  readonly #propagator = new W3CTraceContextPropagator();
  readonly #captureContent: boolean;

  constructor(opts: { provider: BasicTracerProvider; endpoint: string; captureContent: boolean }) {
    this.endpoint = opts.endpoint;
    this.#provider = opts.provider;
    this.#tracer = opts.provider.getTracer(pkg.name, pkg.version);
    this.#captureContent = opts.captureContent;
  }

  /** Starts the SERVER span of a chat request, continuing the caller's trace if it sent `traceparent`. */
  startChat(req: Request): ChatTrace {
    const parent = this.#propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
    return new ChatTrace({ tracer: this.#tracer, propagator: this.#propagator, captureContent: this.#captureContent, parent, req });
  }

  /** Exports what is left, waiting at most FLUSH_LIMIT_MS; never throws. */
  async shutdown(): Promise<void> {
    const done = this.#provider.shutdown().catch(() => {});
    await Promise.race([done, Bun.sleep(FLUSH_LIMIT_MS)]);
  }
}

/**
 * Tracing is on only when an OTLP endpoint is configured (and OTEL_SDK_DISABLED is not "true"); off,
 * this returns undefined and the request path makes no tracer calls at all. The exporter reads the
 * OTEL_EXPORTER_OTLP_* variables itself; the provider reads OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_*.
 */
export function startTelemetry(env: Record<string, string | undefined> = process.env): Telemetry | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || isTrue(env.OTEL_SDK_DISABLED) || env.OTEL_TRACES_EXPORTER?.trim() === "none") return undefined;
  try {
    // Our name by default; OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override it.
    const resource = defaultResource()
      .merge(resourceFromAttributes({ "service.name": pkg.name, "service.version": pkg.version }))
      .merge(detectResources({ detectors: [envDetector] }));
    const provider = new BasicTracerProvider({
      resource,
      spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
    });
    return new Telemetry({ provider, endpoint, captureContent: isTrue(env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT) });
  } catch (err) {
    // Telemetry must never take the app down: a bad OTEL_* value leaves chats untraced, not broken.
    console.warn(`chat: tracing is off: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

const isTrue = (value: string | undefined) => value?.trim().toLowerCase() === "true";
