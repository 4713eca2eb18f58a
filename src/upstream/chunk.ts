/** Token counts as upstreams report them; passed on to the browser as they came (extra fields kept). */
export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
}

/**
 * The fields of a `chat.completion.chunk` the relay reads, across the servers that speak it: OpenAI's
 * own, plus the reasoning fields others add (`reasoning_content`: DeepSeek, llama.cpp, vLLM before
 * 0.10, Qwen; `reasoning`: Ollama, newer vLLM, OpenRouter, Groq; `reasoning_details`: OpenRouter) and
 * content as a list of parts (Mistral's Magistral). vLLM reports errors as `{"object":"error",…}`.
 */
export interface Chunk {
  id?: string;
  object?: string;
  model?: string;
  message?: unknown;
  choices?: Array<{ index?: number; delta?: Delta | null; finish_reason?: string | null }>;
  usage?: Usage | null;
  error?: unknown;
}

export interface Delta {
  content?: string | ContentPart[] | null;
  reasoning_content?: string | null;
  reasoning?: string | null;
  reasoning_details?: Array<{ type?: string; text?: string; summary?: string }> | null;
  refusal?: string | null;
}

/** A Magistral content part: text is the answer, thinking (itself a list of text parts) is reasoning. */
export type ContentPart = { type?: string; text?: string; thinking?: Array<{ type?: string; text?: string }> | string };

/** A chunk parsed in full; undefined when it is not JSON. */
export function parseChunk(data: string): Chunk | undefined {
  try {
    const chunk: unknown = JSON.parse(data);
    return typeof chunk === "object" && chunk !== null ? (chunk as Chunk) : undefined;
  } catch {
    return undefined;
  }
}
