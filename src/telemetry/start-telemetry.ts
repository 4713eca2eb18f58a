import type { Telemetry } from "./telemetry.ts";

/**
 * Tracing is on only when an OTLP endpoint is configured (and OTEL_SDK_DISABLED is not "true"); off,
 * this returns undefined, the OpenTelemetry SDK is never loaded, and the request path makes no tracer
 * calls at all. The exporter reads the OTEL_EXPORTER_OTLP_* variables itself; the provider reads
 * OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_*.
 */
export async function startTelemetry(env: Record<string, string | undefined> = process.env): Promise<Telemetry | undefined> {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!endpoint || isTrue(env.OTEL_SDK_DISABLED) || env.OTEL_TRACES_EXPORTER?.trim() === "none") return undefined;
  try {
    const { createTelemetry } = await import("./telemetry.ts");
    return createTelemetry(endpoint, env);
  } catch (err) {
    // Telemetry must never take the app down: a bad OTEL_* value leaves chats untraced, not broken.
    console.warn(`chat: tracing is off: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

const isTrue = (value: string | undefined) => value?.trim().toLowerCase() === "true";
