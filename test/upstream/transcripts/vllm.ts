// Format: vLLM's OpenAI server with a reasoning parser (newer releases): vllm-project/vllm
// vllm/entrypoints/openai/protocol.py (ChatCompletionStreamResponse, DeltaMessage with `reasoning`) and
// vllm/entrypoints/openai/serving_chat.py (model_dump_json(exclude_unset=True), `data: …\n\n`, a final
// `data: [DONE]`): `logprobs` and `finish_reason` explicitly null, `stop_reason` on the finish.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-7b1d4f0a9c2e4b4f8e3a","object":"chat.completion.chunk","created":1756746100,"model":"Qwen/Qwen3-8B","choices":';
const c = (delta: string, finish = "null", extra = "") =>
  `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}${extra}}]}`;

export default {
  name: "vllm",
  source: "vllm-project/vllm vllm/entrypoints/openai/protocol.py (DeltaMessage.reasoning), serving_chat.py",
  body: sse([
    c('{"role":"assistant","content":""}'),
    c('{"reasoning":"\\n"}'),
    c('{"reasoning":"The user greets"}'),
    c('{"reasoning":" me."}'),
    c('{"content":"\\n\\n"}'),
    c('{"content":"Hello"}'),
    c('{"content":"! 👋"}'),
    c('{"content":""}', '"stop"', ',"stop_reason":null'),
    "data: [DONE]",
  ]),
  expect: {
    content: "\n\nHello! 👋",
    reasoning: "The user greets me.",
    finish: { finish_reason: "stop", model: "Qwen/Qwen3-8B" },
  },
} satisfies Transcript;
