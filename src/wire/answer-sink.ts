/**
 * Where the chunk reader puts an answer's text: typed calls, never wire bytes (the wire stage writes
 * those). A literal is a JSON string exactly as the upstream wrote it (quotes included), given as the
 * view `buf[open, close)` and valid only during the call: the fast path makes no string or object per
 * token. Calls come in the answer's order.
 */
export interface AnswerSink<Batch> {
  contentLiteral(buf: Buffer, open: number, close: number): void;
  reasoningLiteral(buf: Buffer, open: number, close: number): void;
  content(text: string): void;
  reasoning(text: string): void;
  /** Everything given as content so far was reasoning after all (a lone `</think>`); `text` is more of it. */
  contentWasReasoning(text: string): void;
  /** What the calls since the last take became (one network read's worth); undefined when none. */
  take(): Batch | undefined;
}
