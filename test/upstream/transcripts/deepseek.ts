// Format: DeepSeek API (deepseek-reasoner): api-docs.deepseek.com "Reasoning Model (deepseek-reasoner)"
// and the chat-completion streaming reference: `reasoning_content` deltas with `content:null`, then
// content with `reasoning_content:null`, `: keep-alive` comment lines while the request is queued, and
// usage with completion_tokens_details.reasoning_tokens and prompt_cache_hit/miss_tokens on the last chunk.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"1f5a2c3e-6b7d-4e8f-9a0b-1c2d3e4f5a6b","object":"chat.completion.chunk","created":1756746600,"model":"deepseek-reasoner","system_fingerprint":"fp_7e0991cad4_prod0820_fp8_kvcache","choices":';
const c = (delta: string, finish = "null", usage = "") =>
  `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${usage}}`;

export default {
  name: "deepseek",
  source: "api-docs.deepseek.com guides/reasoning_model (deepseek-reasoner streaming), api/create-chat-completion",
  body: sse([
    ": keep-alive",
    c('{"role":"assistant","content":null,"reasoning_content":""}'),
    c('{"content":null,"reasoning_content":"Hmm"}'),
    c('{"content":null,"reasoning_content":", the user says \\"hi\\"."}'),
    c('{"content":"Hi"}'),
    c('{"content":"! How can I help?"}'),
    c(
      '{"content":"","reasoning_content":null}',
      '"stop"',
      ',"usage":{"prompt_tokens":5,"completion_tokens":40,"total_tokens":45,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":31},"prompt_cache_hit_tokens":0,"prompt_cache_miss_tokens":5}',
    ),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hi! How can I help?",
    reasoning: 'Hmm, the user says "hi".',
    finish: { finish_reason: "stop", model: "deepseek-reasoner", reasoning_tokens: 31 },
  },
} satisfies Transcript;
