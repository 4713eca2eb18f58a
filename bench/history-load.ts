import type { StreamWriter } from "../src/resume/store.ts";
import { AnswerFrames } from "../src/wire/answer-frames.ts";

/**
 * The write path's load, shared by history-cost.ts and history-pauses.ts: every answer gets 4 tokens a
 * "network read" every 20 ms (200 tokens/s each), yielding between reads as a relay does, so History's
 * saves happen at their ticks among the reads; then every answer finishes.
 */
export async function streamAnswers(writers: readonly StreamWriter[], tokens: number): Promise<void> {
  const frames = writers.map(() => new AnswerFrames());
  for (let t = 0; t < tokens; t += 4) {
    writers.forEach((w, a) => {
      const f = frames[a]!;
      for (let k = 0; k < 4; k++) f.content(` token${t + k}`);
      w.append(f.take()!);
    });
    await Bun.sleep(20);
  }
  writers.forEach((w, a) => {
    const f = frames[a]!;
    f.event("finish", '{"finish_reason":"stop"}');
    f.done();
    w.end(f.take()!);
  });
}
