// Format: xAI (api.x.ai/v1) with grok-3-mini: docs.x.ai "Reasoning" guide (delta.reasoning_content while
// thinking, usage.completion_tokens_details.reasoning_tokens) and the OpenAI-compatible streaming shape it
// documents: `role` on every delta, no finish_reason key until the end, usage on the last chunk.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"9b2f1c4e-8d7a-4b3c-a2e1-f0d9c8b7a6e5","object":"chat.completion.chunk","created":1756746800,"model":"grok-3-mini","choices":';
const fp = ',"system_fingerprint":"fp_6ba2b0ae8d"';
const c = (delta: string, finish = "", usage = "") => `data: ${head}[{"index":0,"delta":${delta}${finish}}]${usage}${fp}}`;

export default {
  name: "xai",
  source: "docs.x.ai/docs/guides/reasoning (reasoning_content, reasoning_tokens); xai-org/xai-cookbook streaming examples",
  body: sse([
    c('{"reasoning_content":"First,","role":"assistant"}'),
    c('{"reasoning_content":" 2+2 is 4.","role":"assistant"}'),
    c('{"content":"2 + 2","role":"assistant"}'),
    c('{"content":" = 4.","role":"assistant"}'),
    c(
      '{"role":"assistant"}',
      ',"finish_reason":"stop"',
      ',"usage":{"prompt_tokens":14,"completion_tokens":6,"total_tokens":180,"prompt_tokens_details":{"text_tokens":14,"audio_tokens":0,"image_tokens":0,"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":160,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0},"num_sources_used":0}',
    ),
    "data: [DONE]",
  ]),
  expect: {
    content: "2 + 2 = 4.",
    reasoning: "First, 2+2 is 4.",
    finish: { finish_reason: "stop", model: "grok-3-mini", reasoning_tokens: 160 },
  },
} satisfies Transcript;
