/**
 * A fake OpenAI Responses API upstream (`POST /v1/responses`, `stream: true`) on 127.0.0.1, speaking
 * the event stream event by event as OpenAI sends it: `event: <type>` before each `data:` line,
 * `type` and `sequence_number` first in each event, `response.created` and `.in_progress`, a
 * reasoning item (summary part added, `response.reasoning_summary_text.delta`s, done events), a
 * message item (content part added, `response.output_text.delta`s with `logprobs` and
 * `obfuscation`, done events), then `response.completed` (or `.incomplete`) with the whole response
 * and its usage, and no `[DONE]`. Shapes from openai-node's `ResponseStreamEvent` types and its
 * `tests/lib/__snapshots__/ResponseStream.test.ts.snap` fixtures, and OpenAI's streaming reference.
 *
 * Behaviour comes from the same directives as the Chat Completions fake (`[fake tokens=50 delay=10]`),
 * plus `mode=failed` (a `response.failed` event instead of `error`), `fail_code=rate_limit_exceeded` (the
 * code of that failure; `server_error` by default) and `refuse=temperature,…` (a 400 naming that
 * parameter, as OpenAI answers a setting a model does not support).
 */
import { DEFAULT_BEHAVIOUR, type FakeBehaviour, type FakeOpenAI, errorResponse, fakeReasoningTokens, fakeTokens, parseDirective, requestStats } from "./fake-openai.ts";

export interface ResponsesBehaviour extends Omit<FakeBehaviour, "mode"> {
  mode: FakeBehaviour["mode"] | "failed";
  /** Parameters answered with OpenAI's 400 `unsupported_parameter` when sent, comma-separated (`reasoning.summary`, `temperature`). */
  refuse: string;
  /** The `code` of a mid-stream failure (`error` event or `response.failed`): `server_error`, `rate_limit_exceeded`, … */
  fail_code: string;
}

/** OpenAI's messages for the failure codes the fake sends. */
const FAILURE_MESSAGES: Record<string, string> = {
  server_error: "The server had an error while processing your request.",
  rate_limit_exceeded: "Rate limit reached for gpt-fake in organization org-fake on tokens per min (TPM). Please try again in 20s.",
};

const encoder = new TextEncoder();

export function startFakeResponses(defaults: Partial<ResponsesBehaviour> = {}): FakeOpenAI {
  const { stats, onCancel, waitForCancelled } = requestStats();
  const bodies: Record<string, unknown>[] = [];
  const headers: Headers[] = [];
  const seen = new Map<string, number>();

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    routes: {
      "/v1/models": () => Response.json({ object: "list", data: [{ id: "gpt-fake", object: "model", created: 1, owned_by: "fake" }] }),
      "/v1/responses": {
        POST: async (req, srv) => {
          srv.timeout(req, 0);
          stats.requests++;
          const body = (await req.json()) as Record<string, unknown>;
          bodies.push(body);
          headers.push(req.headers);
          const input = (body.input as { role: string; content: string }[]) ?? [];
          const lastUser = [...input].reverse().find((m) => m.role === "user")?.content ?? "";
          const b = { ...DEFAULT_BEHAVIOUR, refuse: "", fail_code: "server_error", ...defaults, ...parseDirective(lastUser) } as ResponsesBehaviour;
          const refused = b.refuse.split(",").find((p) => p && sent(body, p));
          if (refused) return unsupported(refused);
          if (b.fail_times > 0) {
            const n = (seen.get(lastUser) ?? 0) + 1;
            seen.set(lastUser, n);
            if (n > b.fail_times) Object.assign(b, { status: 200, fail_after: -1 });
          }
          if (b.hang > 0) await Bun.sleep(b.hang);
          if (b.status !== 200) return errorResponse(b as FakeBehaviour);
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
    headers,
    waitForCancelled,
    stop: () => server.stop(true),
  };
}

/** Whether the request carries a dotted parameter (`reasoning.summary`). */
function sent(body: Record<string, unknown>, param: string): boolean {
  let at: unknown = body;
  for (const key of param.split(".")) {
    if (typeof at !== "object" || at === null || !(key in at)) return false;
    at = (at as Record<string, unknown>)[key];
  }
  return at !== undefined && at !== null;
}

/** OpenAI's answer to a setting the model does not take. */
function unsupported(param: string): Response {
  const message = `Unsupported parameter: '${param}' is not supported with this model.`;
  return Response.json({ error: { message, type: "invalid_request_error", param, code: "unsupported_parameter" } }, { status: 400 });
}

function streamResponse(b: ResponsesBehaviour, model: string, req: Request, stats: FakeOpenAI["stats"], onCancel: () => void): Response {
  const id = `resp_fake${Math.random().toString(36).slice(2, 10)}`;
  const rs = `rs_${id.slice(5)}`;
  const msg = `msg_${id.slice(5)}`;
  const created = Math.floor(Date.now() / 1000);
  const tokens = fakeTokens(b);
  const thoughts = fakeReasoningTokens(b);
  let seq = 0;
  const frame = (type: string, fields: Record<string, unknown>) =>
    encoder.encode(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...fields })}\n\n`);
  const response = (status: string, extra: Record<string, unknown> = {}) => ({
    id,
    object: "response",
    created_at: created,
    status,
    background: false,
    error: null,
    incomplete_details: null,
    instructions: null,
    max_output_tokens: null,
    model,
    output: [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: "medium", summary: "auto" },
    store: false,
    temperature: 1.0,
    text: { format: { type: "text" }, verbosity: "medium" },
    tool_choice: "auto",
    tools: [],
    top_p: 1.0,
    truncation: "disabled",
    usage: null,
    user: null,
    metadata: {},
    ...extra,
  });
  const obfuscation = () => Math.random().toString(36).slice(2, 2 + Math.floor(Math.random() * 10));

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
        const end = () => {
          done = true;
          stats.open--;
          controller.close();
        };
        try {
          send(frame("response.created", { response: response("in_progress") }));
          send(frame("response.in_progress", { response: response("in_progress") }));
          if (b.first > 0) await Bun.sleep(b.first);
          const output: unknown[] = [];
          let index = 0;
          if (thoughts.length > 0) {
            send(frame("response.output_item.added", { output_index: 0, item: { id: rs, type: "reasoning", summary: [] } }));
            send(frame("response.reasoning_summary_part.added", { item_id: rs, output_index: 0, summary_index: 0, part: { type: "summary_text", text: "" } }));
            const thoughtDelay = b.reasoning_delay >= 0 ? b.reasoning_delay : b.delay;
            for (let i = 0; i < thoughts.length && !cancelled; i++) {
              if (i > 0 && thoughtDelay > 0) await Bun.sleep(thoughtDelay);
              send(frame("response.reasoning_summary_text.delta", { item_id: rs, output_index: 0, summary_index: 0, delta: thoughts[i], obfuscation: obfuscation() }));
            }
            const text = thoughts.join("");
            const part = { type: "summary_text", text };
            send(frame("response.reasoning_summary_text.done", { item_id: rs, output_index: 0, summary_index: 0, text }));
            send(frame("response.reasoning_summary_part.done", { item_id: rs, output_index: 0, summary_index: 0, part }));
            const item = { id: rs, type: "reasoning", summary: [part] };
            send(frame("response.output_item.done", { output_index: 0, item }));
            output.push(item);
            index = 1;
            if (b.delay > 0) await Bun.sleep(b.delay);
          }
          send(frame("response.output_item.added", { output_index: index, item: { id: msg, type: "message", status: "in_progress", content: [], role: "assistant" } }));
          const at = { item_id: msg, output_index: index, content_index: 0 };
          send(frame("response.content_part.added", { ...at, part: { type: "output_text", annotations: [], logprobs: [], text: "" } }));
          for (let i = 0; i < tokens.length && !cancelled; i++) {
            if (i === b.fail_after) {
              const error = { code: b.fail_code, message: FAILURE_MESSAGES[b.fail_code] ?? `Failed: ${b.fail_code}.` };
              if (b.mode === "error") send(frame("error", { ...error, param: null }));
              if (b.mode === "failed") send(frame("response.failed", { response: response("failed", { error }) }));
              if (b.mode === "cut") {
                await Bun.sleep(50); // let the sent tokens leave before the socket drops
                return controller.error(new Error("fake upstream cut the connection"));
              }
              return end();
            }
            if (i > 0 && b.delay > 0) await Bun.sleep(b.delay);
            send(frame("response.output_text.delta", { ...at, delta: tokens[i], logprobs: [], obfuscation: obfuscation() }));
          }
          if (cancelled) return;
          const text = tokens.join("");
          const part = { type: "output_text", annotations: [], logprobs: [], text };
          send(frame("response.output_text.done", { ...at, text, logprobs: [] }));
          send(frame("response.content_part.done", { ...at, part }));
          const item = { id: msg, type: "message", status: "completed", content: [part], role: "assistant" };
          send(frame("response.output_item.done", { output_index: index, item }));
          output.push(item);
          const outputTokens = tokens.length + thoughts.length;
          const usage = {
            input_tokens: 9,
            input_tokens_details: { cached_tokens: 0 },
            output_tokens: outputTokens,
            output_tokens_details: { reasoning_tokens: thoughts.length },
            total_tokens: 9 + outputTokens,
          };
          if (b.finish === "stop") {
            send(frame("response.completed", { response: response("completed", { output, usage }) }));
          } else {
            const reason = b.finish === "length" ? "max_output_tokens" : b.finish;
            send(frame("response.incomplete", { response: response("incomplete", { output, usage, incomplete_details: { reason } }) }));
          }
          stats.completed++;
          end();
        } catch {
          markCancelled();
        }
      },
      cancel: markCancelled,
    }),
    { headers: { "Content-Type": "text/event-stream; charset=utf-8", "x-request-id": "req_fake" } },
  );
}
