// Format: Hugging Face text-generation-inference, OpenAI route /v1/chat/completions:
// huggingface/text-generation-inference router/src/lib.rs (ChatCompletionChunk: id "", object, created,
// model, system_fingerprint "<version>-<sha>", choices with `logprobs:null`, `usage:null`; delta
// TextMessage {role, content, tool_call_id}) and its snapshot
// integration-tests/models/__snapshots__/test_completion_prompts/test_chat_openai_usage.json.
import { type Transcript, sse } from "./types.ts";

const head = '{"object":"chat.completion.chunk","id":"","created":1741265133,"model":"meta-llama/Llama-3.1-8B-Instruct","system_fingerprint":"3.1.2-dev0-native","choices":';
const c = (content: string, finish = "null") =>
  `data: ${head}[{"index":0,"delta":{"role":"assistant","content":${JSON.stringify(content)},"tool_call_id":null},"logprobs":null,"finish_reason":${finish}}],"usage":null}`;

export default {
  name: "tgi",
  source: "huggingface/text-generation-inference router/src/lib.rs; integration-tests/models/__snapshots__/test_completion_prompts/test_chat_openai_usage.json",
  body: sse([
    c("OK"),
    c("!"),
    c(" Ready"),
    c(" when you are.", "null"),
    c("", '"stop"'),
    `data: ${head}[],"usage":{"prompt_tokens":39,"completion_tokens":6,"total_tokens":45}}`,
    "data: [DONE]",
  ]),
  expect: {
    content: "OK! Ready when you are.",
    reasoning: "",
    finish: { finish_reason: "stop", model: "meta-llama/Llama-3.1-8B-Instruct" },
  },
} satisfies Transcript;
