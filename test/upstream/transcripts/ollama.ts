// Format: Ollama's OpenAI route (/v1/chat/completions): ollama/ollama openai/openai.go (ChatCompletionChunk,
// ToChunk: id "chatcmpl-N", system_fingerprint "fp_ollama", `delta.role` on every chunk, `content` always
// present (Content is `any`, no omitempty), `reasoning` omitempty, no `usage` unless stream_options asks)
// written by Go's encoding/json, which escapes < > & as \u003c \u003e \u0026.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-412","object":"chat.completion.chunk","created":1756746300,"model":"qwen3:8b","system_fingerprint":"fp_ollama","choices":';
const c = (delta: string, finish = "null") => `data: ${head}[{"index":0,"delta":${delta},"finish_reason":${finish}}]}`;

export default {
  name: "ollama",
  source: "ollama/ollama openai/openai.go (ChatCompletionChunk, ToChunk)",
  body: sse([
    c('{"role":"assistant","content":"","reasoning":"User asks about"}'),
    c('{"role":"assistant","content":"","reasoning":" \\u003cb\\u003e \\u0026 tags."}'),
    c('{"role":"assistant","content":"Use"}'),
    c('{"role":"assistant","content":" \\u003cb\\u003ebold\\u003c/b\\u003e"}'),
    c('{"role":"assistant","content":" \\u0026 \\u003ci\\u003e."}'),
    c('{"role":"assistant","content":""}', '"stop"'),
    "data: [DONE]",
  ]),
  expect: {
    content: "Use <b>bold</b> & <i>.",
    reasoning: "User asks about <b> & tags.",
    finish: { finish_reason: "stop", model: "qwen3:8b" },
  },
} satisfies Transcript;
