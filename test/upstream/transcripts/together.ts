// Format: Together AI (api.together.xyz/v1): togethercomputer/together-python
// src/together/types/chat_completions.py (ChatCompletionChunk, ChatCompletionChoicesChunk: a `text` copy of
// the token beside `delta`, `seed`, `delta.token_id`, `usage: null` until the finish chunk).
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"nqTxZ3a-2j9zxi-97a1b2c3d4e5f6a7","object":"chat.completion.chunk","created":1756747200,"model":"meta-llama/Llama-3.3-70B-Instruct-Turbo","choices":';
const c = (text: string, tokenId: number, finish = "null", seed = "null", usage = "null") =>
  `data: ${head}[{"index":0,"text":${JSON.stringify(text)},"logprobs":null,"finish_reason":${finish},"seed":${seed},"delta":{"token_id":${tokenId},"role":"assistant","content":${JSON.stringify(text)},"tool_calls":null}}],"usage":${usage}}`;

export default {
  name: "together",
  source: "togethercomputer/together-python src/together/types/chat_completions.py (ChatCompletionChunk)",
  body: sse([
    c("Hello", 9906),
    c("!", 0),
    c(" How", 2650),
    c(" can I help?", 1520),
    c("", 128009, '"stop"', "6051384785279480000", '{"prompt_tokens":36,"completion_tokens":8,"total_tokens":44}'),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello! How can I help?",
    reasoning: "",
    finish: { finish_reason: "stop", model: "meta-llama/Llama-3.3-70B-Instruct-Turbo" },
  },
} satisfies Transcript;
