/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1 for tests: it decodes the protobuf body of
 * `POST /v1/traces` with the OTLP definitions published by the OpenTelemetry project (protobufjs
 * code generated from opentelemetry-proto, shipped in @opentelemetry/otlp-proto-exporter-base),
 * so the assertions see exactly what a collector would.
 */
import generated from "@opentelemetry/otlp-proto-exporter-base/build/src/generated/root.js";

interface Message {
  decode(bytes: Uint8Array): unknown;
  toObject(message: unknown, options: Record<string, unknown>): unknown;
}
const otlp = generated as unknown as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: Message } } } } };
};
const ExportTraceServiceRequest = otlp.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export interface ReceivedSpan {
  name: string;
  kind: "INTERNAL" | "SERVER" | "CLIENT" | "PRODUCER" | "CONSUMER" | "UNSPECIFIED";
  traceId: string;
  spanId: string;
  /** "" for a root span. */
  parentSpanId: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: "UNSET" | "OK" | "ERROR"; message: string };
  durationMs: number;
  /** Resource attributes of the batch the span came in. */
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** Base URL, for OTEL_EXPORTER_OTLP_ENDPOINT (the exporter appends /v1/traces). */
  url: string;
  spans: ReceivedSpan[];
  /** Every request body as received, for byte-level checks (a secret must never appear). */
  bodies: Uint8Array[];
  /** Resolves with the spans once `done(spans)` holds; rejects after timeoutMs. */
  waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  stop(): Promise<void>;
}

/** Starts a receiver; `status` other than 200 makes it refuse every export (a failing collector). */
export function startOtlpReceiver(opts: { status?: number; delayMs?: number } = {}): OtlpReceiver {
  const spans: ReceivedSpan[] = [];
  const bodies: Uint8Array[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    routes: {
      "/v1/traces": {
        POST: async (req) => {
          const body = new Uint8Array(await req.arrayBuffer());
          bodies.push(body);
          if (opts.delayMs) await Bun.sleep(opts.delayMs);
          if (opts.status && opts.status !== 200) return new Response("unavailable", { status: opts.status });
          spans.push(...decode(body));
          // An empty ExportTraceServiceResponse is zero bytes of protobuf.
          return new Response(new Uint8Array(0), { headers: { "Content-Type": "application/x-protobuf" } });
        },
      },
    },
    fetch: () => new Response("not found", { status: 404 }),
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    spans,
    bodies,
    async waitFor(done, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!done(spans)) {
        if (Date.now() > deadline) throw new Error(`spans not received in ${timeoutMs} ms; got ${JSON.stringify(spans.map((s) => s.name))}`);
        await Bun.sleep(20);
      }
      return spans;
    },
    stop: () => server.stop(true),
  };
}

const KINDS = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"] as const;
const CODES = ["UNSET", "OK", "ERROR"] as const;

interface KeyValue { key: string; value?: AnyValue }
interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
}
interface DecodedSpan {
  name: string;
  kind?: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: KeyValue[];
  events?: { name: string; attributes?: KeyValue[] }[];
  status?: { code?: number; message?: string };
}
interface DecodedRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: DecodedSpan[] }[] }[];
}

/** Decodes one ExportTraceServiceRequest into flat spans with hex ids and plain attribute values. */
export function decode(body: Uint8Array): ReceivedSpan[] {
  const msg = ExportTraceServiceRequest.decode(body);
  const req = ExportTraceServiceRequest.toObject(msg, { longs: String, bytes: String, enums: Number }) as DecodedRequest;
  const hex = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("hex");
  const out: ReceivedSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attributes(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          name: s.name,
          kind: KINDS[s.kind ?? 0] ?? "UNSPECIFIED",
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          attributes: attributes(s.attributes),
          events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
          status: { code: CODES[s.status?.code ?? 0] ?? "UNSET", message: s.status?.message ?? "" },
          durationMs: Number(BigInt(s.endTimeUnixNano ?? "0") - BigInt(s.startTimeUnixNano ?? "0")) / 1e6,
          resource,
        });
      }
    }
  }
  return out;
}

function attributes(kvs: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((kvs ?? []).map((kv) => [kv.key, value(kv.value)]));
}

function value(v: AnyValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}
