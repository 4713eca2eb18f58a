// Format: llama-cpp-python's server: abetlen/llama-cpp-python llama_cpp/server/app.py (get_event_publisher:
// `json.dumps(chunk)`, so ", " and ": " separators; EventSourceResponse(sep="\n"); sse-starlette's
// `: ping - <time>` comments) and llama_cpp/llama_chat_format.py (_convert_text_completion_chunks_to_chat:
// id "chat" + "cmpl-…", a role-only first delta, `{}` delta on the finish).
import { type Transcript, sse } from "./types.ts";

const c = (delta: string, finish = "null") =>
  `data: {"id": "chatcmpl-3b7a5e6f-1c2d-4e8f-9a0b-6c5d4e3f2a1b", "model": "/models/llama-3.2-3b-instruct-q4_k_m.gguf", "created": 1756747300, "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": ${delta}, "logprobs": null, "finish_reason": ${finish}}]}`;

export default {
  name: "llama-cpp-python",
  source: "abetlen/llama-cpp-python llama_cpp/server/app.py (get_event_publisher), llama_cpp/llama_chat_format.py",
  body: sse([
    c('{"role": "assistant"}'),
    c('{"content": "Hi"}'),
    ": ping - 2025-09-01 17:01:40.107112+00:00",
    c('{"content": " \\u2014 caf\\u00e9 time"}'),
    c('{"content": " \\ud83d\\ude00"}'),
    c('{"content": "\\n\\"ok\\""}'),
    c("{}", '"stop"'),
    "data: [DONE]",
  ]),
  expect: {
    content: 'Hi \u2014 caf\u00e9 time \u{1F600}\n"ok"',
    reasoning: "",
    finish: { finish_reason: "stop", model: "/models/llama-3.2-3b-instruct-q4_k_m.gguf" },
  },
} satisfies Transcript;
