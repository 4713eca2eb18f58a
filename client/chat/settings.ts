import { bearer } from "./auth.ts";
import type { ReasoningEffort, RequestOptions, WireMessage } from "./stream.ts";

/** A conversation's own settings; anything unset is left to the server (its model, the model's defaults). */
export interface Settings {
  /** One of `GET /api/models`; unset: the server's default model. */
  model?: string;
  /** Sent as the first `system` message. */
  system?: string;
  /** 0–2. */
  temperature?: number;
  /** Most tokens per answer (the server caps it with CHAT_MAX_TOKENS). */
  maxTokens?: number;
  /** How hard a reasoning model thinks; unset: the model's (or the server's) default. */
  reasoningEffort?: ReasoningEffort;
  /** Longest side, in pixels, an attached image is scaled down to (never sent to the server); unset: 2048. */
  imageMaxSide?: number;
}

/** The reasoning efforts the API takes, least first. */
export const REASONING_EFFORTS: readonly ReasoningEffort[] = ["none", "minimal", "low", "medium", "high"];

/** The POST body fields for these settings: only the ones that are set, as the server names them. */
export function requestOptions(settings: Settings): RequestOptions {
  return {
    ...(settings.model && { model: settings.model }),
    ...(settings.temperature !== undefined && { temperature: settings.temperature }),
    ...(settings.maxTokens !== undefined && { max_tokens: settings.maxTokens }),
    ...(settings.reasoningEffort && { reasoning_effort: settings.reasoningEffort }),
  };
}

/** The conversation as the server sees it: the system prompt (if any) first. */
export function withSystem(messages: WireMessage[], settings: Settings): WireMessage[] {
  const system = settings.system?.trim();
  return system ? [{ role: "system", content: system }, ...messages] : messages;
}

/** Saved settings back into shape; whatever is out of range is dropped, so a bad value never reaches a request. */
export function restoreSettings(saved: unknown): Settings {
  if (!saved || typeof saved !== "object") return {};
  const s = saved as Record<string, unknown>;
  const out: Settings = {};
  if (typeof s.model === "string" && s.model) out.model = s.model;
  if (typeof s.system === "string" && s.system.trim()) out.system = s.system;
  if (typeof s.temperature === "number" && s.temperature >= 0 && s.temperature <= 2) out.temperature = s.temperature;
  if (typeof s.maxTokens === "number" && Number.isInteger(s.maxTokens) && s.maxTokens >= 1) out.maxTokens = s.maxTokens;
  // Checked where it is used (attachment-files.ts), off the first paint's budget; never sent to the server.
  if (s.imageMaxSide) out.imageMaxSide = s.imageMaxSide as number;
  if (REASONING_EFFORTS.includes(s.reasoningEffort as ReasoningEffort)) out.reasoningEffort = s.reasoningEffort as ReasoningEffort;
  return out;
}

/** What `GET /api/models` offers: the server's default first. */
export interface ModelList {
  default: string;
  models: string[];
  /** Why the list is only the default (the upstream did not answer), or why it could not be fetched. */
  error?: string;
}

/** Asks the server which models the page may pick. Never throws: a failure is a list with an error. */
export async function fetchModels(opts: { token?: string; fetch?: typeof fetch } = {}): Promise<ModelList> {
  try {
    const res = await (opts.fetch ?? fetch)("/api/models", { headers: { Accept: "application/json", ...bearer(opts.token) } });
    const body = (await res.json().catch(() => undefined)) as Partial<ModelList> & { error?: unknown };
    if (res.ok && typeof body?.default === "string" && Array.isArray(body.models)) {
      const models = body.models.filter((m): m is string => typeof m === "string");
      return { default: body.default, models, ...(typeof body.error === "string" && { error: body.error }) };
    }
    const message = (body?.error as { message?: string } | undefined)?.message;
    return { default: "", models: [], error: message ?? `The server answered ${res.status} to /api/models.` };
  } catch {
    return { default: "", models: [], error: "Could not reach the chat server to list its models." };
  }
}
