// Format: Qwen3 thinking models (QwQ, Qwen3-*-Thinking-2507) whose chat template already ends the prompt
// with "<think>\n" (QwenLM/Qwen3 chat template, add_generation_prompt), served without a reasoning parser:
// the output has NO opening tag, only a lone </think> after the reasoning. Chunk shape: ollama/ollama
// openai/openai.go (raw template mode). The relay cannot know until </think> that the text was reasoning:
// it sends `event: reasoning` with content_was_reasoning and the client moves the text over.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-88","object":"chat.completion.chunk","created":1756747600,"model":"qwen3:30b-a3b-thinking-2507","system_fingerprint":"fp_ollama","choices":';
const c = (content: string, finish = "null") =>
  `data: ${head}[{"index":0,"delta":{"role":"assistant","content":${JSON.stringify(content)}},"finish_reason":${finish}}]}`;

export default {
  name: "qwen3-lone-close",
  source: "QwenLM/Qwen3 chat template (generation prompt ends with <think>); ollama/ollama openai/openai.go",
  body: sse([
    c("Okay, the user"),
    c(" said hi."),
    c(" Be friendly.\n</th"),
    c("ink>\n\n"),
    c("Hello"),
    c("! Use `</think>` in code if you like."),
    c("", '"stop"'),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello! Use `</think>` in code if you like.",
    reasoning: "Okay, the user said hi. Be friendly.",
    finish: { finish_reason: "stop", model: "qwen3:30b-a3b-thinking-2507" },
  },
} satisfies Transcript;
