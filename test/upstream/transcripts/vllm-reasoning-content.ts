// Format: vLLM before the rename (0.7–0.10): DeltaMessage has `reasoning_content`; vllm-project/vllm
// vllm/entrypoints/openai/protocol.py (DeltaMessage.reasoning_content) and examples/online_serving/
// openai_chat_completion_with_reasoning_streaming.py; stream_options.include_usage gives a `choices: []`
// usage chunk.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-3f9c1b2a","object":"chat.completion.chunk","created":1746000000,"model":"deepseek-ai/DeepSeek-R1-Distill-Qwen-7B","choices":';
const c = (delta: string, finish = "null", extra = "") =>
  `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}${extra}}]}`;

export default {
  name: "vllm-reasoning-content",
  source: "vllm-project/vllm vllm/entrypoints/openai/protocol.py (DeltaMessage.reasoning_content, v0.8)",
  body: sse([
    c('{"role":"assistant","content":""}'),
    c('{"reasoning_content":"9.11 vs 9.8"}'),
    c('{"reasoning_content":": compare tenths."}'),
    c('{"content":"9.8"}'),
    c('{"content":" is greater."}'),
    c('{"content":""}', '"stop"', ',"stop_reason":null'),
    `data: ${head}[],"usage":{"prompt_tokens":18,"total_tokens":40,"completion_tokens":22}}`,
    "data: [DONE]",
  ]),
  expect: {
    content: "9.8 is greater.",
    reasoning: "9.11 vs 9.8: compare tenths.",
    finish: { finish_reason: "stop", model: "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B" },
  },
} satisfies Transcript;
