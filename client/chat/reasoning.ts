import type { Message } from "./store.ts";
import type { ReasoningEvent } from "./stream.ts";

type Thinking = Pick<Message, "reasoning" | "content" | "reasoningStartedAt" | "reasoningMs">;

/**
 * What a reasoning event changes in an answer: its thinking grows, and the thinking clock starts with the
 * first of it. When the server says the content so far was thinking all along (a model that wrote only
 * the closing `</think>`), that content moves into the reasoning and the answer starts again empty; the
 * thinking then started with that content (`contentFrom`, epoch ms), and any time measured is void.
 */
export function thinking(m: Thinking, e: ReasoningEvent, at: { now: number; contentFrom?: number }): Partial<Message> {
  const before = m.reasoning ?? "";
  if (e.contentWasReasoning) {
    return {
      reasoning: before + m.content + e.reasoning,
      content: "",
      reasoningStartedAt: m.reasoningStartedAt ?? at.contentFrom ?? at.now,
      reasoningMs: undefined,
    };
  }
  return { reasoning: before + e.reasoning, ...(m.reasoningStartedAt === undefined && { reasoningStartedAt: at.now }) };
}

/** The reasoning fields of a saved (or imported) answer, each only if it has the right type. */
export function restoreReasoning(saved: Partial<Message>, into: Message): void {
  if (typeof saved.reasoning === "string" && saved.reasoning) into.reasoning = saved.reasoning;
  if (typeof saved.reasoningStartedAt === "number") into.reasoningStartedAt = saved.reasoningStartedAt;
  if (typeof saved.reasoningMs === "number" && saved.reasoningMs >= 0) into.reasoningMs = saved.reasoningMs;
  if (saved.refusal === true) into.refusal = true;
}

/** Seconds for "Thought for 12 s": whole seconds, at least one (a blink of thinking is still thinking). */
export function thoughtSeconds(ms: number): number {
  return Math.max(1, Math.round(ms / 1000));
}
