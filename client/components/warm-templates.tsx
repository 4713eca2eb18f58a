import { render } from "solid-js/web";
import type { ChatState, Message } from "../chat/store.ts";
import MessageList from "./MessageList.tsx";

/** A conversation that shows every part of a message at least once: versions, a typing answer, usage, an error. */
const SAMPLE: Message[] = [
  { id: "q1", role: "user", content: "a" },
  { id: "q2", role: "user", content: "b" },
  { id: "a1", parent: "q2", role: "assistant", content: "c", status: "done", finishReason: "length", usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, writingMs: 1 },
  { id: "q3", parent: "a1", role: "user", content: "d" },
  { id: "a2", parent: "q3", role: "assistant", content: "", status: "streaming" },
  { id: "a3", parent: "q3", role: "assistant", content: "e", status: "error", error: { message: "f", type: "x", status: 0 } },
];

/**
 * Renders the message components once, off screen, when the page is idle. Solid builds each component's
 * DOM template the first time it is used: without this, that cost (20–40 ms in traces) lands in the
 * keypress that sends the first message, and the footer's in the task that ends the first answer.
 */
export function warmTemplates(): void {
  if (typeof requestIdleCallback !== "function") return;
  requestIdleCallback(
    () => {
      const host = document.createElement("div");
      const state: ChatState = { all: SAMPLE, leaf: "a3", messages: SAMPLE.filter((m) => m.id !== "q1"), streaming: false, settings: {} };
      const dispose = render(() => <MessageList state={state} onRetry={noop} onEdit={noop} onSelect={noop} />, host);
      dispose();
    },
    { timeout: 5000 },
  );
}

const noop = () => {};
