// Format: Perplexity Sonar (api.perplexity.ai/chat/completions): docs.perplexity.ai api-reference
// chat-completions (stream) and ppl-ai/api-cookbook: every chunk repeats `citations` and `search_results`,
// carries `usage`, `object:"chat.completion"`, and besides `delta` a `message` with the WHOLE text so far
// (only `delta` is the increment).
import { type Transcript, sse } from "./types.ts";

const meta =
  '"citations":["https://en.wikipedia.org/wiki/Hello","https://example.org/greetings"],"search_results":[{"title":"Hello - Wikipedia","url":"https://en.wikipedia.org/wiki/Hello","date":null}]';
const c = (soFar: string, delta: string, finish = "null", tokens = 1) =>
  `data: {"id":"0b6a6a4e-5f0c-4e8e-9a57-2c0f0d2b8e11","model":"sonar","created":1756747000,"usage":{"prompt_tokens":6,"completion_tokens":${tokens},"total_tokens":${6 + tokens},"search_context_size":"low"},${meta},"object":"chat.completion","choices":[{"index":0,"finish_reason":${finish},"message":{"role":"assistant","content":${JSON.stringify(soFar)}},"delta":{"role":"assistant","content":${JSON.stringify(delta)}}}]}`;

export default {
  name: "perplexity",
  source: "docs.perplexity.ai/api-reference/chat-completions-post (stream: message + delta, citations, search_results)",
  body: sse([
    c("Hello", "Hello"),
    c("Hello is a", " is a", "null", 3),
    c("Hello is a greeting [1].", " greeting [1].", "null", 6),
    c("Hello is a greeting [1].", "", '"stop"', 6),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello is a greeting [1].",
    reasoning: "",
    finish: { finish_reason: "stop", model: "sonar" },
  },
} satisfies Transcript;
