import { Show, createEffect, createSignal, on, onCleanup } from "solid-js";
import { thoughtSeconds } from "../chat/reasoning.ts";
import type { Message } from "../chat/store.ts";
import Markdown from "../markdown/Markdown.tsx";
import styles from "./Thinking.module.css";

/**
 * A reasoning model's thinking, above its answer: a native `<details>`, open while the model thinks (the
 * seconds ticking), closed to "Thought for 12 s" once the answer starts; the reader may open it again.
 * Cut short while thinking (Stop, an error), it stays open and says so. The text is markdown through
 * the same renderer and sanitiser as answers. Screen readers get the summary, never each thought: the
 * body is not a live region, and the ticking seconds are hidden from them.
 */
export default function Thinking(props: { message: Message }) {
  let details!: HTMLDetailsElement;
  const m = () => props.message;
  const thinking = () => m().status === "streaming" && m().content === "";
  const cutShort = () => (m().status === "stopped" || m().status === "error") && m().content === "";

  // Opened and closed only when the answer moves on, so a reader's own click is left alone in between.
  createEffect(on(() => thinking() || cutShort(), (open) => (details.open = open)));

  const [now, setNow] = createSignal(Date.now());
  createEffect(() => {
    if (!thinking()) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    onCleanup(() => clearInterval(timer));
  });
  const elapsed = () => {
    const from = m().reasoningStartedAt;
    return from === undefined ? undefined : thoughtSeconds(now() - from);
  };
  const summary = () => {
    if (thinking()) return "Thinking…";
    if (cutShort()) return "Stopped while thinking";
    const ms = m().reasoningMs;
    return ms === undefined ? "Thought" : `Thought for ${thoughtSeconds(ms)} s`;
  };

  return (
    <details ref={details} class={styles.thinking} classList={{ [styles.live!]: thinking() }} data-thinking={thinking() ? "live" : "done"}>
      <summary class={styles.summary}>
        <span class={styles.label}>{summary()}</span>
        <Show when={thinking() && elapsed()}>
          {(s) => (
            <span class={styles.seconds} aria-hidden="true">
              {s()} s
            </span>
          )}
        </Show>
      </summary>
      <div class={styles.body} aria-live="off">
        <Markdown source={m().reasoning ?? ""} streaming={thinking()} />
      </div>
    </details>
  );
}
