// Format: OpenAI with n=2 (or a server that sends several choices unasked): each chunk carries one choice,
// `index` 0 and 1 interleaved, each with its own finish. Shape: openai/openai-node
// src/resources/chat/completions/completions.ts (ChatCompletionChunk.Choice.index). Only index 0 is the answer.
import { type Transcript, sse } from "./types.ts";

const head =
  '{"id":"chatcmpl-CAf3n2","object":"chat.completion.chunk","created":1756745200,"model":"gpt-4.1-mini-2025-04-14","service_tier":"default","system_fingerprint":"fp_6f2eabb9a5","choices":';
const c = (index: number, delta: string, finish = "null") =>
  `data: ${head}[{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"obfuscation":"x"}`;

export default {
  name: "openai-n2",
  source: "openai/openai-node src/resources/chat/completions/completions.ts (ChatCompletionChunk.Choice.index)",
  body: sse([
    c(0, '{"role":"assistant","content":"","refusal":null}'),
    c(1, '{"role":"assistant","content":"","refusal":null}'),
    c(0, '{"content":"Red"}'),
    c(1, '{"content":"Blue"}'),
    c(1, '{"content":" sky"}'),
    c(0, '{"content":" apple"}'),
    c(0, '{"content":"."}'),
    c(1, "{}", '"length"'),
    c(0, "{}", '"stop"'),
    "data: [DONE]",
  ]),
  expect: {
    content: "Red apple.",
    reasoning: "",
    finish: { finish_reason: "stop", model: "gpt-4.1-mini-2025-04-14" },
  },
} satisfies Transcript;
