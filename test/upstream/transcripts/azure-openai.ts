// Format: Azure OpenAI, recorded from the real service in quarkiverse/quarkus-langchain4j
// model-providers/azure-openai/runtime test "generated from a true API call to Azure OpenAI" (and the same
// shape in Azure/azure-rest-api-specs specification/cognitiveservices/data-plane/AzureOpenAI/inference):
// keys sorted, a first chunk with `"model":""`, `"id":""`, `choices:[]` and prompt_filter_results, then
// content_filter_results on every choice, and a trailing filter-only chunk after the finish.
import { type Transcript, sse } from "./types.ts";

const safe =
  '{"hate":{"filtered":false,"severity":"safe"},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}';
const tail =
  '"created":1750697159,"id":"chatcmpl-BleatwEUn3D8iXsgXpDqeOPEMuW3j","model":"gpt-4o-2024-08-06","object":"chat.completion.chunk","system_fingerprint":"fp_ee1d74bde0"}';
const c = (filter: string, delta: string, finish = "null") =>
  `data: {"choices":[{"content_filter_results":${filter},"delta":${delta},"finish_reason":${finish},"index":0,"logprobs":null}],${tail}`;

export default {
  name: "azure-openai",
  source: "quarkiverse/quarkus-langchain4j azure-openai runtime test (recorded Azure OpenAI stream)",
  body: sse([
    `data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"safe"}}}]}`,
    c("{}", '{"content":"","refusal":null,"role":"assistant"}'),
    c(safe, '{"content":"Hi"}'),
    c(safe, '{"content":" there"}'),
    c(safe, '{"content":"! How"}'),
    c(safe, '{"content":" can I help?"}'),
    c("{}", "{}", '"stop"'),
    `data: {"choices":[{"content_filter_offsets":{"check_offset":0,"start_offset":0,"end_offset":26},"content_filter_results":${safe},"finish_reason":null,"index":0}],"created":0,"id":"","model":"","object":""}`,
    "data: [DONE]",
  ]),
  expect: {
    content: "Hi there! How can I help?",
    reasoning: "",
    finish: { finish_reason: "stop", model: "gpt-4o-2024-08-06" },
  },
} satisfies Transcript;
