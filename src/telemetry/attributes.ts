// The attribute names we emit, as plain strings. The GenAI ones are copied from the current GenAI
// semantic conventions on purpose: the incubating entry point of @opentelemetry/semantic-conventions
// may rename or drop them in a minor release, and its README says to copy what you need.

export const GEN_AI_OPERATION_NAME = "gen_ai.operation.name";
export const GEN_AI_PROVIDER_NAME = "gen_ai.provider.name";
export const GEN_AI_REQUEST_MODEL = "gen_ai.request.model";
export const GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature";
export const GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens";
export const GEN_AI_RESPONSE_MODEL = "gen_ai.response.model";
export const GEN_AI_RESPONSE_ID = "gen_ai.response.id";
export const GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons";
/** Seconds from issuing the model request to the first content token. */
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = "gen_ai.response.time_to_first_chunk";
export const GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens";
export const GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens";
/** Reasoning tokens, included in output_tokens (the upstream's `completion_tokens_details.reasoning_tokens`). */
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = "gen_ai.usage.reasoning.output_tokens";
/** Opt-in only (message contents are private): OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true. */
export const GEN_AI_INPUT_MESSAGES = "gen_ai.input.messages";
export const GEN_AI_SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions";
/** Which OpenAI API the call used: `chat_completions` or `responses` (the operation is `chat` for both). */
export const OPENAI_API_TYPE = "openai.api.type";

// Stable HTTP and general conventions.
export const HTTP_REQUEST_METHOD = "http.request.method";
export const HTTP_ROUTE = "http.route";
export const HTTP_RESPONSE_STATUS_CODE = "http.response.status_code";
export const URL_PATH = "url.path";
export const URL_SCHEME = "url.scheme";
export const SERVER_ADDRESS = "server.address";
export const SERVER_PORT = "server.port";
export const USER_AGENT_ORIGINAL = "user_agent.original";
export const ERROR_TYPE = "error.type";

// Ours, in the app's own namespace (gen_ai.* is reserved for the conventions).
export const CHAT_MESSAGE_COUNT = "chat.message_count";
/** Images in the request's messages, and their decoded bytes: never the images themselves. */
export const CHAT_IMAGE_COUNT = "chat.request.image_count";
export const CHAT_IMAGE_BYTES = "chat.request.image_bytes";
/** True on both spans when the client went away before the answer ended. */
export const CHAT_ABORTED = "chat.aborted";
/** Span event on the model span: the client disconnected or pressed Stop; status stays unset. */
export const EVENT_CLIENT_ABORT = "chat.client_abort";
/** Span event on the model span when the first content token arrives. */
export const EVENT_FIRST_TOKEN = "chat.first_token";
/** Seconds from issuing the model request to the first reasoning token (the conventions have no name for it). */
export const CHAT_TIME_TO_FIRST_REASONING = "chat.time_to_first_reasoning";
/** Span event on the model span when the first reasoning token arrives. */
export const EVENT_FIRST_REASONING = "chat.first_reasoning";
/** Milliseconds the model reasoned: first reasoning token to first content token. */
export const CHAT_REASONING_MS = "chat.reasoning_ms";
/** The reasoning effort asked of the model, when one was set. */
export const CHAT_REASONING_EFFORT = "chat.request.reasoning_effort";
