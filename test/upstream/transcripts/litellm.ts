// Format: the LiteLLM proxy: BerriAI/litellm litellm/types/utils.py (ModelResponseStream, Delta with
// reasoning_content / thinking_blocks / provider_specific_fields) and litellm/proxy/proxy_server.py
// (async_data_generator: chunk.model_dump_json(exclude_none=True, exclude_unset=True) as `data: …\n\n`).
// Here it fronts an Anthropic model with extended thinking, so thinking_blocks ride beside reasoning_content.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-4c1f6a1e-3b0e-4f7a-9d56-2b7c0a9e8f11","created":1756746400,"model":"claude-sonnet-4-20250514","object":"chat.completion.chunk","choices":';
const c = (delta: string, finish = "") => `data: ${head}[{"index":0,${finish}"delta":${delta}}]}`;

export default {
  name: "litellm",
  source: "BerriAI/litellm litellm/types/utils.py (ModelResponseStream, Delta), litellm/proxy/proxy_server.py",
  body: sse([
    c('{"reasoning_content":"The user said hi","thinking_blocks":[{"type":"thinking","thinking":"The user said hi","signature":""}],"provider_specific_fields":{"thinking_blocks":[{"type":"thinking","thinking":"The user said hi","signature":""}]},"content":"","role":"assistant"}'),
    c('{"reasoning_content":"; reply briefly.","thinking_blocks":[{"type":"thinking","thinking":"; reply briefly.","signature":""}],"content":""}'),
    c('{"thinking_blocks":[{"type":"thinking","thinking":"","signature":"EqQBCkYIBxgCKkA"}],"content":""}'),
    c('{"content":"Hi!"}'),
    c('{"content":" What can I do for you?"}'),
    c("{}", '"finish_reason":"stop",'),
    `data: ${head}[{"index":0,"delta":{}}],"usage":{"completion_tokens":31,"prompt_tokens":12,"total_tokens":43,"completion_tokens_details":{"reasoning_tokens":14},"prompt_tokens_details":{"cached_tokens":0}}}`,
    "data: [DONE]",
  ]),
  expect: {
    content: "Hi! What can I do for you?",
    reasoning: "The user said hi; reply briefly.",
    finish: { finish_reason: "stop", model: "claude-sonnet-4-20250514", reasoning_tokens: 14 },
  },
} satisfies Transcript;
