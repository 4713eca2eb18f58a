// Format: OpenRouter (openrouter.ai/api/v1): OpenRouterTeam/ai-sdk-provider src/chat/schemas.ts (chunk
// schema: `provider`, `reasoning`, `reasoning_details` with reasoning.text / reasoning.summary /
// reasoning.encrypted, `native_finish_reason`, usage with cost) and openrouter.ai/docs "Reasoning tokens"
// + "Streaming" (`: OPENROUTER PROCESSING` comment lines). `reasoning` and `reasoning_details` carry the
// SAME text when both are present: the reasoning must not appear twice.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"gen-1756747100-AbCdEfGhIjKlMnOp","provider":"Google","model":"google/gemini-2.5-flash","object":"chat.completion.chunk","created":1756747100,"choices":';
const c = (delta: string, finish = "null", native = "null", usage = "") =>
  `data: ${head}[{"index":0,"delta":${delta},"finish_reason":${finish},"native_finish_reason":${native},"logprobs":null}]${usage}}`;

export default {
  name: "openrouter",
  source: "OpenRouterTeam/ai-sdk-provider src/chat/schemas.ts; openrouter.ai/docs/use-cases/reasoning-tokens",
  body: sse([
    ": OPENROUTER PROCESSING",
    ": OPENROUTER PROCESSING",
    c('{"role":"assistant","content":"","reasoning":"**Greeting**","reasoning_details":[{"type":"reasoning.text","text":"**Greeting**","format":"unknown","index":0}]}'),
    c('{"role":"assistant","content":"","reasoning":" The user says hi.","reasoning_details":[{"type":"reasoning.text","text":" The user says hi.","format":"unknown","index":0}]}'),
    c('{"role":"assistant","content":"","reasoning":null,"reasoning_details":[{"type":"reasoning.summary","summary":" Reply warmly.","format":"openai-responses-v1","index":1}]}'),
    c('{"role":"assistant","content":"","reasoning":null,"reasoning_details":[{"type":"reasoning.encrypted","data":"gAAAAABo0xYz","format":"openai-responses-v1","index":2}]}'),
    c('{"role":"assistant","content":"Hello"}'),
    ": OPENROUTER PROCESSING",
    c('{"role":"assistant","content":"! How can I help?"}'),
    c('{"role":"assistant","content":""}', '"stop"', '"STOP"'),
    c(
      '{"role":"assistant","content":""}',
      "null",
      "null",
      ',"usage":{"prompt_tokens":4,"completion_tokens":40,"total_tokens":44,"cost":0.0001012,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0},"cost_details":{"upstream_inference_cost":null},"completion_tokens_details":{"reasoning_tokens":31}}',
    ),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello! How can I help?",
    reasoning: "**Greeting** The user says hi. Reply warmly.",
    finish: { finish_reason: "stop", model: "google/gemini-2.5-flash", reasoning_tokens: 31 },
  },
} satisfies Transcript;
