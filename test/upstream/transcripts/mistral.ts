// Format: Mistral La Plateforme with Magistral: mistralai/client-python src/mistralai/models/deltamessage.py
// (content: str | List[ContentChunk]), thinkchunk.py (`{"type":"thinking","thinking":[TextChunk…]}`),
// textchunk.py, referencechunk.py; the same ThinkChunk/TextChunk/ReferenceChunk union is in
// mistralai/mistral-common. Chunks carry no logprobs; usage rides on the finish chunk.
import { type Transcript, sse } from "./types.ts";

const head = '{"id":"6a4c1e0f3b2d4a5c8e9f7a6b5c4d3e2f","object":"chat.completion.chunk","created":1756746700,"model":"magistral-medium-2507","choices":';
const c = (delta: string, finish = "null", usage = "") => `data: ${head}[{"index":0,"delta":${delta},"finish_reason":${finish}}]${usage}}`;
const think = (text: string) => `{"content":[{"type":"thinking","thinking":[{"type":"text","text":${JSON.stringify(text)}}]}]}`;

export default {
  name: "mistral",
  source: "mistralai/client-python src/mistralai/models/thinkchunk.py, textchunk.py, deltamessage.py",
  body: sse([
    c('{"role":"assistant","content":""}'),
    c(think("The user")),
    c(think(" wants a greeting.")),
    c('{"content":[{"type":"reference","reference_ids":[1]}]}'),
    c('{"content":[{"type":"text","text":"Bonjour"}]}'),
    c('{"content":[{"type":"text","text":" !"},{"type":"text","text":" Comment"}]}'),
    c('{"content":" puis-je aider ?"}'),
    c('{"content":""}', '"stop"', ',"usage":{"prompt_tokens":9,"total_tokens":40,"completion_tokens":31}'),
    "data: [DONE]",
  ]),
  expect: {
    content: "Bonjour ! Comment puis-je aider ?",
    reasoning: "The user wants a greeting.",
    finish: { finish_reason: "stop", model: "magistral-medium-2507" },
  },
} satisfies Transcript;
