import type { Attachment } from "./attachments.ts";

/**
 * `messages` with the largest attachment still kept dropped (its data emptied, its name kept), and
 * that attachment's name; undefined when none is left to drop. For a save the storage refused as full.
 */
export function dropLargestAttachment<M extends { attachments?: Attachment[] }>(messages: readonly M[]): { messages: M[]; dropped: string } | undefined {
  let best: { m: number; a: number; size: number } | undefined;
  messages.forEach((m, i) =>
    m.attachments?.forEach((a, j) => {
      if (!a.dropped && a.data.length > (best?.size ?? 0)) best = { m: i, a: j, size: a.data.length };
    }),
  );
  if (!best) return undefined;
  const { m, a } = best;
  const out = messages.map((msg, i) =>
    i !== m ? msg : { ...msg, attachments: msg.attachments!.map((x, j) => (j === a ? { ...x, data: "", dropped: true } : x)) },
  );
  return { messages: out, dropped: messages[m]!.attachments![a]!.name };
}
