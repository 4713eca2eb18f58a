// Format: llama.cpp's llama-server (tools/server): ggml-org/llama.cpp tools/server/server.cpp /
// server-task.cpp (to_json_oaicompat_chat_stream): keys in nlohmann::json order (choices first), id
// "chatcmpl-<32 random chars>", system_fingerprint "b<build>-<commit>", a role chunk with `"content":null`,
// `reasoning_content` deltas (--reasoning-format deepseek), and usage + `timings` on the finish chunk;
// tools/server/tests/unit/test_chat_completion.py checks these fields.
import { type Transcript, sse } from "./types.ts";

const tail = '"created":1754524122,"id":"chatcmpl-yPk7z9nC22CofOlh100qQdHVEDMNYCb1","model":"gpt-oss:20b","system_fingerprint":"b6097-9515c613","object":"chat.completion.chunk"';
const c = (delta: string, finish = "null", extra = "") =>
  `data: {"choices":[{"finish_reason":${finish},"index":0,"delta":${delta}}],${tail}${extra}}`;

export default {
  name: "llamacpp",
  source: "ggml-org/llama.cpp tools/server/server.cpp (to_json_oaicompat_chat_stream), tools/server/tests/unit/test_chat_completion.py",
  body: sse([
    c('{"role":"assistant","content":null}'),
    c('{"reasoning_content":"We"}'),
    c('{"reasoning_content":" should greet."}'),
    c('{"content":"Hello"}'),
    c('{"content":"! 👋 How can I assist"}'),
    c('{"content":" you today?"}'),
    c(
      "{}",
      '"stop"',
      ',"usage":{"completion_tokens":12,"prompt_tokens":70,"total_tokens":82},"timings":{"prompt_n":70,"prompt_ms":20.3,"prompt_per_token_ms":0.29,"prompt_per_second":3448.2,"predicted_n":12,"predicted_ms":45.4,"predicted_per_token_ms":3.78,"predicted_per_second":264.3}',
    ),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello! 👋 How can I assist you today?",
    reasoning: "We should greet.",
    finish: { finish_reason: "stop", model: "gpt-oss:20b" },
  },
} satisfies Transcript;
