// Format: DeepSeek-R1 on Azure AI Foundry (Models-as-a-Service, /models/chat/completions and the OpenAI v1
// route): the reasoning arrives inline in `content` between <think> tags (Microsoft Learn "How to use
// reasoning models with Azure AI Foundry Models"; chunk type StreamingChatCompletionsUpdate in
// Azure/azure-sdk-for-python sdk/ai/azure-ai-inference/azure/ai/inference/models/_models.py), keys sorted,
// `reasoning_content` null, usage on the last chunk.
import { type Transcript, sse } from "./types.ts";

const tail = '"created":1756746000,"id":"5a8f3c0e2b9d4e7f","model":"DeepSeek-R1","object":"chat.completion.chunk"';
const c = (delta: string, finish = "null", usage = "null") =>
  `data: {"choices":[{"delta":${delta},"finish_reason":${finish},"index":0,"logprobs":null}],${tail},"usage":${usage}}`;
const t = (text: string) => c(`{"content":${JSON.stringify(text)},"reasoning_content":null,"role":"assistant","tool_calls":null}`);

export default {
  name: "azure-foundry-deepseek",
  source: "Azure/azure-sdk-for-python sdk/ai/azure-ai-inference (StreamingChatCompletionsUpdate); Microsoft Learn: reasoning models in Azure AI Foundry",
  body: sse([
    t("<think>"),
    t("\n"),
    t("Okay, the user"),
    t(" says hi."),
    t("\n"),
    t("</think>"),
    t("\n\n"),
    t("Hello! How"),
    t(" can I help?"),
    c('{"content":"","reasoning_content":null,"role":"assistant","tool_calls":null}', '"stop"', '{"completion_tokens":19,"prompt_tokens":6,"total_tokens":25}'),
    "data: [DONE]",
  ]),
  expect: {
    content: "Hello! How can I help?",
    reasoning: "Okay, the user says hi.",
    finish: { finish_reason: "stop", model: "DeepSeek-R1" },
  },
} satisfies Transcript;
