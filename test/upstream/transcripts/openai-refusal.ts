// Format: OpenAI refusal deltas (structured outputs): `delta.refusal` carries the text, `content` stays
// null. Shape: openai/openai-node src/resources/chat/completions/completions.ts
// (ChatCompletionChunk.Choice.Delta.refusal) and openai/openai-python src/openai/types/chat/chat_completion_chunk.py.
import { type Transcript, sse } from "./types.ts";

const head =
  '{"id":"chatcmpl-CAf2RfUs1p","object":"chat.completion.chunk","created":1756745100,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_07871e2ad8","choices":';
const c = (delta: string, finish = "null") =>
  `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}],"obfuscation":"aB3"}`;

export default {
  name: "openai-refusal",
  source: "openai/openai-node src/resources/chat/completions/completions.ts (Delta.refusal)",
  body: sse([
    c('{"role":"assistant","content":null,"refusal":""}'),
    c('{"refusal":"I\'m"}'),
    c('{"refusal":" sorry,"}'),
    c('{"refusal":" I can\\u2019t"}'),
    c('{"refusal":" help with that."}'),
    c("{}", '"stop"'),
    "data: [DONE]",
  ]),
  expect: {
    content: "I'm sorry, I can\u2019t help with that.",
    reasoning: "",
    finish: { finish_reason: "stop", model: "gpt-4o-2024-08-06", refusal: true },
  },
} satisfies Transcript;
