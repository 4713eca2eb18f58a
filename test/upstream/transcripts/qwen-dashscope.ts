// Format: Alibaba Cloud Model Studio (DashScope) OpenAI-compatible mode, compatible-mode/v1: its "Deep
// thinking" / Qwen3 guide shows the stream: keys in DashScope's order (choices, object, usage, created,
// system_fingerprint, model, id), `reasoning_content` deltas with `content:null`, `usage:null` until a
// final `choices: []` usage chunk (stream_options.include_usage).
import { type Transcript, sse } from "./types.ts";

const tail = '"object":"chat.completion.chunk","usage":null,"created":1756746900,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-2c1d7f3e-9a8b-4c6d-b5e4-a3f2e1d0c9b8"';
const c = (delta: string, finish = "null") => `data: {"choices":[{"delta":${delta},"finish_reason":${finish},"index":0,"logprobs":null}],${tail}}`;

export default {
  name: "qwen-dashscope",
  source: "Alibaba Cloud Model Studio docs: deep thinking (OpenAI compatible, compatible-mode/v1) streaming example",
  body: sse([
    c('{"content":null,"role":"assistant","reasoning_content":""}'),
    c('{"content":null,"reasoning_content":"好的，"}'),
    c('{"content":null,"reasoning_content":"用户在打招呼。"}'),
    c('{"content":"你好！","reasoning_content":null}'),
    c('{"content":"有什么可以帮你？","reasoning_content":null}'),
    c('{"content":"","reasoning_content":null}', '"stop"'),
    `data: {"choices":[],"object":"chat.completion.chunk","usage":{"prompt_tokens":10,"completion_tokens":48,"total_tokens":58,"completion_tokens_details":{"reasoning_tokens":40}},"created":1756746900,"system_fingerprint":null,"model":"qwen-plus","id":"chatcmpl-2c1d7f3e-9a8b-4c6d-b5e4-a3f2e1d0c9b8"}`,
    "data: [DONE]",
  ]),
  expect: {
    content: "你好！有什么可以帮你？",
    reasoning: "好的，用户在打招呼。",
    finish: { finish_reason: "stop", model: "qwen-plus", reasoning_tokens: 40 },
  },
} satisfies Transcript;
