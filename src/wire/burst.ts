/**
 * Consecutive SSE frames of one answer as one string: what one network read of the upstream became,
 * kept whole in the log (one entry per read, not one per token) and cut only when a client
 * re-attaches in the middle of it. Frames are numbered `first` to `last`, each carries its `id:` line,
 * and each ends in the one empty line of the frame: data lines are one line of JSON.
 */
export interface Burst {
  text: string;
  first: number;
  last: number;
}

/**
 * The frames of `text` (numbered from `first`) with an id above `afterSeq`; the caller skips a burst
 * whose `last` is not above it. An `id: N` line is only ever a line of its own, so `\nid: N\n` marks
 * frame N, which starts after the previous frame's empty line (an `event:` line may come before its
 * `id:`). Ids inside one burst are consecutive, so when `afterSeq + 1` is not in the text, every frame
 * of it is above `afterSeq` (the ids skipped after a buffer limit cut a burst short).
 */
export function framesAfter(text: string, first: number, afterSeq: number): string {
  if (afterSeq < first) return text;
  const at = text.indexOf(`\nid: ${afterSeq + 1}\n`);
  if (at === -1) return text;
  const end = text.lastIndexOf("\n\n", at);
  return end === -1 ? text : text.slice(end + 2);
}

/**
 * Where each frame of `text` ends (after its empty line), in order: for the rare burst that a buffer
 * limit cuts between two frames.
 */
export function frameEnds(text: string): number[] {
  const ends: number[] = [];
  for (let at = text.indexOf("\n\n"); at !== -1; at = text.indexOf("\n\n", at + 2)) ends.push(at + 2);
  return ends;
}
