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

/** The tracer for an OTLP endpoint. Loaded only when tracing is on: the OpenTelemetry SDK costs start-up time and memory. */
export function createTelemetry(endpoint: string, env: Record<string, string | undefined>): Telemetry {
  // Our name by default; OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME override it.
  const resource = defaultResource()
    .merge(resourceFromAttributes({ "service.name": pkg.name, "service.version": pkg.version }))
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  return new Telemetry({ provider, endpoint, captureContent: env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === "true" });
}
