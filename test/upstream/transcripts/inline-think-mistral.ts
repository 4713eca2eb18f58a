// Format: Magistral Small served raw (llama.cpp / vLLM without a parser): the [THINK]…[/THINK] control
// tokens of mistralai/mistral-common (src/mistral_common/tokens/tokenizers/base.py, SpecialTokens
// begin_think/end_think) appear in content. Chunk shape: ggml-org/llama.cpp tools/server/server.cpp.
import { type Transcript, sse } from "./types.ts";

const tail = '"created":1756747500,"id":"chatcmpl-QpRm2","model":"Magistral-Small-2509-Q4_K_M.gguf","system_fingerprint":"b6500-1a2b3c4d","object":"chat.completion.chunk"';
const c = (delta: string, finish = "null") => `data: {"choices":[{"finish_reason":${finish},"index":0,"delta":${delta}}],${tail}}`;
const t = (text: string) => c(`{"content":${JSON.stringify(text)}}`);

export default {
  name: "inline-think-mistral",
  source: "mistralai/mistral-common SpecialTokens begin_think/end_think ([THINK]/[/THINK]); ggml-org/llama.cpp tools/server/server.cpp",
  body: sse([
    c('{"role":"assistant","content":null}'),
    t("[THINK]"),
    t("Short answer"),
    t(" needed.[/THI"),
    t("NK]"),
    t(" Sure"),
    t(": yes."),
    c("{}", '"stop"'),
    "data: [DONE]",
  ]),
  expect: {
    content: "Sure: yes.",
    reasoning: "Short answer needed.",
    finish: { finish_reason: "stop", model: "Magistral-Small-2509-Q4_K_M.gguf" },
  },
} satisfies Transcript;
