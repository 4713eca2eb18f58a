import type { Usage } from "./stream.ts";

/**
 * Completion tokens per second of writing: from the first token to the finish, as this page saw them.
 * Nothing when there is too little to measure (no usage, one token, or no time between first and last).
 */
export function tokensPerSecond(usage: Usage | undefined, writingMs: number | undefined): number | undefined {
  if (!usage || writingMs === undefined || writingMs < 1 || usage.completion_tokens < 2) return undefined;
  return usage.completion_tokens / (writingMs / 1000);
}

/** Why an answer ended early, in words; nothing for an answer that ended on its own. */
export function finishNote(finishReason: string | undefined, status: string | undefined): string | undefined {
  if (status === "stopped" || finishReason === "stopped") return "Stopped";
  if (finishReason === "length") return "Stopped: reached the token limit";
  if (finishReason === "content_filter") return "Stopped by the content filter";
  return undefined;
}

/** "1,234 tokens · 56.7 tokens/s", or just the tokens when the speed is unknown. */
export function usageLine(usage: Usage, writingMs: number | undefined): string {
  const n = usage.completion_tokens;
  const tokens = `${groupThousands(n)} ${n === 1 ? "token" : "tokens"}`;
  const rate = tokensPerSecond(usage, writingMs);
  if (rate === undefined) return tokens;
  return `${tokens} · ${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} tokens/s`;
}

/**
 * 1234567 → "1,234,567". Not `toLocaleString`: its first call in a page loads ICU's number formatting,
 * a 20–30 ms task in Chromium, paid just as a long answer finishes.
 */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}
