// Format: a reasoning model served WITHOUT a reasoning parser (vLLM without --reasoning-parser, llama.cpp
// with --reasoning-format none, Together's DeepSeek-R1): the raw text, <think> tag included, is the content.
// Chunk shape: vllm-project/vllm vllm/entrypoints/openai/serving_chat.py; the tags split across chunks
// exactly as a tokenizer cuts them ("<thi" + "nk>").
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"chatcmpl-it1","object":"chat.completion.chunk","created":1756747400,"model":"deepseek-ai/DeepSeek-R1-Distill-Llama-8B","choices":';
const c = (delta: string, finish = "null") => `data: ${head}[{"index":0,"delta":${delta},"logprobs":null,"finish_reason":${finish}}]}`;
const t = (text: string) => c(`{"content":${JSON.stringify(text)}}`);

export default {
  name: "inline-think",
  source: "vllm-project/vllm vllm/entrypoints/openai/serving_chat.py (no reasoning parser: raw <think> text in content)",
  body: sse([
    c('{"role":"assistant","content":""}'),
    t("\n<thi"),
    t("nk>"),
    t("Two plus two"),
    t(" is four.</th"),
    t("ink>"),
    t("\n\n"),
    t("It is 4."),
    t(" (A literal <think> later stays.)"),
    c('{"content":""}', '"stop"'),
    "data: [DONE]",
  ]),
  expect: {
    content: "It is 4. (A literal <think> later stays.)",
    reasoning: "Two plus two is four.",
    finish: { finish_reason: "stop", model: "deepseek-ai/DeepSeek-R1-Distill-Llama-8B" },
  },
} satisfies Transcript;
