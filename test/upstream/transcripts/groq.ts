// Format: Groq (api.groq.com/openai/v1): groq/groq-python src/groq/types/chat/chat_completion_chunk.py
// (`x_groq` with the request id on the first chunk and `usage` on the last, `delta.reasoning` with
// reasoning_format=parsed); the x_groq usage shape also appears in the stored Go SDK test fixtures.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-5d3c8e7a-2f1b-4a9c-8e6d-0b1a2c3d4e5f","object":"chat.completion.chunk","created":1756746500,"model":"qwen/qwen3-32b","system_fingerprint":"fp_5c6d2e9a1b","choices":';
const c = (delta: string, finish = "null", groq = "") =>
  `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]${groq}}`;

export default {
  name: "groq",
  source: "groq/groq-python src/groq/types/chat/chat_completion_chunk.py (XGroq, ChoiceDelta.reasoning)",
  body: sse([
    c('{"role":"assistant","content":""}', "null", ',"x_groq":{"id":"req_01k3xyzabcdefghjkmnpqrstvw"}'),
    c('{"reasoning":"Okay,"}'),
    c('{"reasoning":" a greeting."}'),
    c('{"content":"Hello"}'),
    c('{"content":" from Groq!"}'),
    c(
      "{}",
      '"stop"',
      ',"x_groq":{"id":"req_01k3xyzabcdefghjkmnpqrstvw","usage":{"queue_time":0.051,"prompt_tokens":12,"prompt_time":0.004,"completion_tokens":9,"completion_time":0.021,"total_tokens":21,"total_time":0.025}}',
    ),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello from Groq!",
    reasoning: "Okay, a greeting.",
    finish: { finish_reason: "stop", model: "qwen/qwen3-32b" },
  },
} satisfies Transcript;
