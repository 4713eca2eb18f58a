import type { RequestSettings } from "../config.ts";
import type { StreamWriter } from "../resume/store.ts";
import { type ChatMessage, textOf } from "../upstream/chat-message.ts";
import type { AnswerFrames } from "../wire/answer-frames.ts";
import type { History } from "./history.ts";
import { settingsOf } from "./transfer.ts";

export interface SaveAnswerOptions {
  history: History;
  owner: string;
  conversationId: string;
  messages: ChatMessage[];
  /** The client's ids of `messages` (by index), and of the answer: the saved tree is then the page's. */
  messageIds?: readonly (string | undefined)[] | undefined;
  answerId?: string | undefined;
  options: RequestSettings;
  streamId: string;
  /** The answer's log writer, and its frames: a failing save is told to readers as an `event: history`. */
  writer: StreamWriter;
  frames: AnswerFrames;
}

/**
 * Saves one answer of POST /api/chat as it streams: returns the writer the generation writes through.
 * Saving problems reach the readers as `event: history` `{"saved":false,"message"}` (then `{"saved":true}`
 * when it works again): a named event, so a seed client and the page today skip it, and never an
 * `event: error`, which would end the stream. It takes the next event id like any frame.
 */
export function saveAnswer(o: SaveAnswerOptions): StreamWriter {
  const system = o.messages.find((m) => m.role === "system");
  const settings = settingsOf({ ...o.options, system: system && textOf(system.content) });
  return o.history.record({
    start: {
      owner: o.owner,
      conversationId: o.conversationId,
      // Text only here; the page sends a question's files with its copy (PUT /api/conversations/{id}).
      messages: o.messages.flatMap((m, i) => (m.role === "system" ? [] : [{ role: m.role, content: textOf(m.content), id: o.messageIds?.[i] }])),
      settings,
      answerId: o.answerId ?? crypto.randomUUID(),
      streamId: o.streamId,
      at: Date.now(),
    },
    writer: o.writer,
    report: (saved, message) => {
      // Between two network reads the frames hold nothing untaken: writing and taking here is one step.
      o.frames.event("history", JSON.stringify({ saved, ...(message && { message }) }));
      const burst = o.frames.take();
      try {
        if (burst) o.writer.append(burst);
      } catch {
        // The log is full: the generation ends on its own next append.
      }
    },
  });
}
