// Format: vLLM's error object sent as a data line in the middle of a 200 stream. Its fields are vLLM's
// ErrorResponse (vllm-project/vllm vllm/entrypoints/openai/protocol.py: object "error", message, type,
// param, code); serving_chat.py writes create_streaming_error_response() as `data: …` and then still
// `data: [DONE]`. (Releases differ on wrapping it in {"error": …}; this is the bare object.)
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-e1","object":"chat.completion.chunk","created":1756746200,"model":"meta-llama/Llama-3.1-8B-Instruct","choices":';
const c = (delta: string) => `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":null}]}`;

export default {
  name: "vllm-error",
  source: "vllm-project/vllm vllm/entrypoints/openai/protocol.py (ErrorResponse), serving_chat.py (create_streaming_error_response)",
  body: sse([
    c('{"role":"assistant","content":""}'),
    c('{"content":"Partial"}'),
    c('{"content":" answer"}'),
    'data: {"object":"error","message":"This model\'s maximum context length is 8192 tokens. However, you requested 8300 tokens.","type":"BadRequestError","param":null,"code":400}',
    "data: [DONE]",
  ]),
  expect: {
    content: "Partial answer",
    reasoning: "",
    finish: null,
    error: { type: "upstream_error", messageIncludes: "maximum context length is 8192 tokens" },
  },
} satisfies Transcript;
