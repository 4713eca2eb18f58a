// Imported FIRST by main.ts for its side effect: a process started without BUN_CONFIG_MAX_HTTP_REQUESTS
// execs itself with it set before the rest (the OpenAI SDK, ~25 ms of module evaluation) is evaluated.
import { relaunchWithFetchCap } from "./fetch-cap.ts";

relaunchWithFetchCap();
