// Format: OpenAI Chat Completions streaming, as typed in openai/openai-node
// src/resources/chat/completions/completions.ts (ChatCompletionChunk: role chunk with `"content":""` and
// `"refusal":null`, `logprobs`, `usage:null` on every chunk when include_usage is set, a final usage chunk
// with `choices: []`) and the `obfuscation` field the API now adds to every chunk.
import { type Transcript, sse } from "./types.ts";

const head =
  '{"id":"chatcmpl-CAf1sQ8Yb0nX2kQy7T3mZ4vP1uRwE","object":"chat.completion.chunk","created":1756745000,"model":"gpt-4o-mini-2024-07-18","service_tier":"default","system_fingerprint":"fp_560af6e559","choices":';
const c = (delta: string, finish = "null", obf = "k3Jd") =>
  `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"usage":null,"obfuscation":"${obf}"}`;

export default {
  name: "openai",
  source: "openai/openai-node src/resources/chat/completions/completions.ts (ChatCompletionChunk)",
  body: sse([
    c('{"role":"assistant","content":"","refusal":null}', "null", "GbT1"),
    c('{"content":"Hello"}', "null", "q"),
    c('{"content":"!"}', "null", "Z9x2a"),
    c('{"content":" How"}'),
    c('{"content":" can"}'),
    c('{"content":" I"}'),
    c('{"content":" help"}'),
    c('{"content":" you"}'),
    c('{"content":" today"}'),
    c('{"content":"?"}'),
    c("{}", '"stop"', "8sQ"),
    `data: ${head}[],"usage":{"prompt_tokens":9,"completion_tokens":10,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},"obfuscation":"Jq7d2"}`,
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello! How can I help you today?",
    reasoning: "",
    finish: { finish_reason: "stop", model: "gpt-4o-mini-2024-07-18" },
  },
} satisfies Transcript;
