/**
 * A fake OpenAI-compatible upstream on 127.0.0.1 that speaks the real streaming wire format:
 * a role chunk, content chunks, a finish_reason chunk, a usage chunk (choices: []), then `data: [DONE]`.
 *
 * Behaviour comes from the server's defaults, overridden per request by a directive anywhere in the
 * last user message, e.g. `[fake tokens=50 delay=10 first=12000 status=429 fail_after=3]`, so a test
 * that only controls what a user types (a browser test) can still choose the fault.
 */
export interface FakeBehaviour {
  /** Content tokens to send. */
  tokens: number;
  /** Milliseconds between tokens. */
  delay: number;
  /** Milliseconds before the first token (headers go out at once, as OpenAI does). */
  first: number;
  /** Milliseconds before the response headers (to trip the client's timeout). */
  hang: number;
  /** Answer with this HTTP status and OpenAI's error JSON instead of a stream. */
  status: number;
  /** Seconds for a Retry-After header on 429. */
  retry_after: number;
  /** After this many tokens: fail (see `mode`). -1 = never. */
  fail_after: number;
  /** How to fail mid-stream: "error" = an error event in the stream, "cut" = close the socket, "nofinish" = end without finish_reason/[DONE]. */
  mode: "error" | "cut" | "nofinish";
  /** Tokens of this exact text (split on spaces, spaces kept) instead of generated words. */
  text: string;
  /** finish_reason to send. */
  finish: string;
  /** Each token repeated this many times (large upstream lines). */
  repeat: number;
  /** Fault (`status`, `fail_after`) only for the first N requests with this last user message, then healthy. 0 = every time. */
  fail_times: number;
  /** Reasoning tokens sent before the content, as DeepSeek does (`delta.reasoning_content`, `content: null`). */
  reasoning: number;
  /** Reasoning tokens of this exact text (split like `text`) instead of generated words. */
  reasoning_text: string;
  /** Milliseconds between reasoning tokens; -1 = the same as `delay`. */
  reasoning_delay: number;
  /** 1 = a model that cannot see: a request with an image part gets OpenAI's 400 for it. */
  blind: number;
}

export const DEFAULT_BEHAVIOUR: FakeBehaviour = {
  tokens: 5,
  delay: 0,
  first: 0,
  hang: 0,
  status: 200,
  retry_after: 0,
  fail_after: -1,
  mode: "error",
  text: "",
  finish: "stop",
  repeat: 1,
  fail_times: 0,
  reasoning: 0,
  reasoning_text: "",
  reasoning_delay: -1,
  blind: 0,
};

/** The tokens the fake sends for a behaviour: tests compare the relayed text with their concatenation. */
export function fakeTokens(b: Pick<FakeBehaviour, "tokens" | "text"> & { repeat?: number }): string[] {
  const tokens = b.text
    ? (b.text.match(/\S+\s*|\s+/g) ?? [])
    : Array.from({ length: b.tokens }, (_, i) => (i === 0 ? "Token0" : ` token${i}`));
  return b.repeat && b.repeat > 1 ? tokens.map((t) => t.repeat(b.repeat!)) : tokens;
}

export function fakeText(b: Partial<FakeBehaviour> = {}): string {
  return fakeTokens({ ...DEFAULT_BEHAVIOUR, ...b }).join("");
}

/** The reasoning tokens the fake sends before the content (none unless `reasoning` or `reasoning_text`). */
export function fakeReasoningTokens(b: Partial<Pick<FakeBehaviour, "reasoning" | "reasoning_text">>): string[] {
  if (b.reasoning_text) return b.reasoning_text.match(/\S+\s*|\s+/g) ?? [];
  return Array.from({ length: b.reasoning ?? 0 }, (_, i) => (i === 0 ? "Thought0" : ` thought${i}`));
}

export function fakeReasoning(b: Partial<FakeBehaviour> = {}): string {
  return fakeReasoningTokens(b).join("");
}

/** A directive for the last user message. */
export function directive(b: Partial<FakeBehaviour>): string {
  const parts = Object.entries(b).map(([k, v]) => `${k}=${typeof v === "string" ? encodeURIComponent(v) : v}`);
  return `[fake ${parts.join(" ")}]`;
}

export function parseDirective(text: string): Partial<FakeBehaviour> {
  const m = /\[fake ([^\]]*)\]/.exec(text);
  if (!m) return {};
  const out: Record<string, string | number> = {};
  for (const pair of m[1]!.trim().split(/\s+/)) {
    const [k, v = ""] = pair.split("=");
    if (!k) continue;
    const decoded = decodeURIComponent(v);
    out[k] = typeof DEFAULT_BEHAVIOUR[k as keyof FakeBehaviour] === "number" ? Number(decoded) : decoded;
  }
  return out as Partial<FakeBehaviour>;
}

const encoder = new TextEncoder();

export interface FakeOpenAI {
  url: string;
  /** Base URL for the SDK: `${url}/v1`. */
  baseURL: string;
  stats: { requests: number; completed: number; cancelled: number; open: number; peak: number };
  /** Request bodies received on /v1/chat/completions, newest last. */
  bodies: Record<string, unknown>[];
  /** The same bodies as the bytes that arrived (UTF-8 text); this fake records them, others may not. */
  rawBodies?: string[];
  /** Headers of those requests. */
  headers: Headers[];
  /** Resolves once `stats.cancelled` reaches n. */
  waitForCancelled(n: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * A fake's request counts, and a wait for the n-th cancelled request: what every fake upstream here
 * reports to its tests (Chat Completions' and the Responses API's alike).
 */
export function requestStats(): Pick<FakeOpenAI, "stats" | "waitForCancelled"> & { onCancel: () => void } {
  const stats = { requests: 0, completed: 0, cancelled: 0, open: 0, peak: 0 };
  let cancelWaiters: Array<() => void> = [];
  return {
    stats,
    onCancel() {
      stats.cancelled++;
      for (const w of cancelWaiters) w();
    },
    waitForCancelled(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        if (stats.cancelled >= n) return resolve();
        const timer = setTimeout(() => reject(new Error(`only ${stats.cancelled}/${n} cancelled after ${timeoutMs} ms`)), timeoutMs);
        const check = () => {
          if (stats.cancelled >= n) {
            clearTimeout(timer);
            cancelWaiters = cancelWaiters.filter((w) => w !== check);
            resolve();
          }
        };
        cancelWaiters.push(check);
      });
    },
  };
}

export function startFakeOpenAI(defaults: Partial<FakeBehaviour> = {}): FakeOpenAI {
  const { stats, onCancel, waitForCancelled } = requestStats();
  const bodies: Record<string, unknown>[] = [];
  const rawBodies: string[] = [];
  const headers: Headers[] = [];
  // Requests seen per last user message, for `fail_times` (a browser's Retry re-sends the same message).
  const seen = new Map<string, number>();

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    routes: {
      "/v1/models": () =>
        Response.json({ object: "list", data: [{ id: "gpt-fake", object: "model", created: 1, owned_by: "fake" }] }),
      "/v1/chat/completions": {
        POST: async (req, srv) => {
          srv.timeout(req, 0);
          stats.requests++;
          const raw = await req.text();
          const body = JSON.parse(raw) as Record<string, unknown>;
          rawBodies.push(raw);
          bodies.push(body);
          headers.push(req.headers);
          type Part = { type: string; text?: string };
          const messages = (body.messages as { role: string; content: string | Part[] }[]) ?? [];
          const textOf = (c: string | Part[]) => (typeof c === "string" ? c : c.map((p) => p.text ?? "").join("\n"));
          const lastUser = textOf([...messages].reverse().find((m) => m.role === "user")?.content ?? "");
          const b: FakeBehaviour = { ...DEFAULT_BEHAVIOUR, ...defaults, ...parseDirective(lastUser) };
          if (b.fail_times > 0) {
            const n = (seen.get(lastUser) ?? 0) + 1;
            seen.set(lastUser, n);
            if (n > b.fail_times) Object.assign(b, { status: 200, fail_after: -1 });
          }
          if (b.hang > 0) await Bun.sleep(b.hang);
          const hasImage = messages.some((m) => typeof m.content !== "string" && m.content.some((p) => p.type === "image_url"));
          if (b.blind && hasImage) {
            return Response.json(
              { error: { message: "Invalid content type. image_url is only supported by certain models.", type: "invalid_request_error", param: "messages.[0].content.[1].type", code: null } },
              { status: 400 },
            );
          }
          if (b.status !== 200) return errorResponse(b);
          return streamResponse(b, String(body.model ?? "gpt-fake"), req, stats, onCancel);
        },
      },
    },
    fetch: () => Response.json({ error: { message: "Not found", type: "invalid_request_error" } }, { status: 404 }),
  });

  const url = `http://127.0.0.1:${server.port}`;
  return {
    url,
    baseURL: `${url}/v1`,
    stats,
    bodies,
    rawBodies,
    headers,
    waitForCancelled,
    stop: () => server.stop(true),
  };
}

export function errorResponse(b: FakeBehaviour): Response {
  const known: Record<number, { type: string; code: string | null; message: string }> = {
    400: { type: "invalid_request_error", code: null, message: "Invalid request." },
    401: { type: "invalid_request_error", code: "invalid_api_key", message: "Incorrect API key provided: sk-test***************************abcd. You can find your API key at https://platform.openai.com/account/api-keys." },
    403: { type: "invalid_request_error", code: "model_not_available", message: "You are not allowed to sample from this model" },
    404: { type: "invalid_request_error", code: "model_not_found", message: "The model `gpt-nope` does not exist or you do not have access to it." },
    429: { type: "requests", code: "rate_limit_exceeded", message: "Rate limit reached for requests. Please try again in 20s." },
    500: { type: "server_error", code: null, message: "The server had an error while processing your request. Sorry about that!" },
    503: { type: "server_error", code: null, message: "The engine is currently overloaded, please try again later" },
  };
  const err = known[b.status] ?? { type: "server_error", code: null, message: `Error ${b.status}` };
  const headers: Record<string, string> = { "x-request-id": "req_fake" };
  if (b.retry_after > 0) headers["retry-after"] = String(b.retry_after);
  return Response.json({ error: { ...err, param: null } }, { status: b.status, headers });
}

function streamResponse(
  b: FakeBehaviour,
  model: string,
  req: Request,
  stats: FakeOpenAI["stats"],
  onCancel: () => void,
): Response {
  const id = `chatcmpl-fake${Math.random().toString(36).slice(2, 10)}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choices: unknown[], usage: unknown = null) =>
    encoder.encode(
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, system_fingerprint: "fp_fake", choices, usage })}\n\n`,
    );
  const delta = (d: Record<string, unknown>, finish: string | null = null) =>
    chunk([{ index: 0, delta: d, logprobs: null, finish_reason: finish }]);
  const tokens = fakeTokens(b);
  const thoughts = fakeReasoningTokens(b);

  let cancelled = false;
  let done = false;
  const markCancelled = () => {
    if (cancelled || done) return;
    cancelled = true;
    stats.open--;
    onCancel();
  };
  req.signal.addEventListener("abort", markCancelled, { once: true });
  stats.open++;
  stats.peak = Math.max(stats.peak, stats.open);

  return new Response(
    new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (bytes: Uint8Array) => {
          if (!cancelled) controller.enqueue(bytes);
        };
        try {
          send(delta({ role: "assistant", content: "", refusal: null }));
          if (b.first > 0) await Bun.sleep(b.first);
          const thoughtDelay = b.reasoning_delay >= 0 ? b.reasoning_delay : b.delay;
          for (let i = 0; i < thoughts.length && !cancelled; i++) {
            if (i > 0 && thoughtDelay > 0) await Bun.sleep(thoughtDelay);
            send(delta({ content: null, reasoning_content: thoughts[i] }));
          }
          // The pause between the last thought and the first word, as between any two tokens.
          if (thoughts.length > 0 && b.delay > 0) await Bun.sleep(b.delay);
          for (let i = 0; i < tokens.length && !cancelled; i++) {
            if (i === b.fail_after) {
              if (b.mode === "error") {
                send(encoder.encode(`data: ${JSON.stringify({ error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null } })}\n\n`));
              }
              if (b.mode === "cut") {
                await Bun.sleep(50); // let the sent tokens leave before the socket drops
                return controller.error(new Error("fake upstream cut the connection"));
              }
              done = true;
              stats.open--;
              return controller.close();
            }
            if (i > 0 && b.delay > 0) await Bun.sleep(b.delay);
            send(delta({ content: tokens[i] }));
          }
          if (cancelled) return;
          send(delta({}, b.finish));
          const completion = tokens.length + thoughts.length;
          const details = thoughts.length > 0 && { completion_tokens_details: { reasoning_tokens: thoughts.length } };
          send(chunk([], { prompt_tokens: 9, completion_tokens: completion, total_tokens: 9 + completion, ...details }));
          send(encoder.encode("data: [DONE]\n\n"));
          done = true;
          stats.open--;
          stats.completed++;
          controller.close();
        } catch {
          markCancelled();
        }
      },
      cancel: markCancelled,
    }),
    { headers: { "Content-Type": "text/event-stream", "x-request-id": "req_fake" } },
  );
}
