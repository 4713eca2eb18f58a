import { Show } from "solid-js";
import styles from "./EmptyState.module.css";

/** What a new conversation shows before the first message. */
export default function EmptyState(props: { model: string | undefined; ready: boolean }) {
  return (
    <div class={styles.empty}>
      <span class={styles.mark} classList={{ [styles.idle!]: !props.ready }} aria-hidden="true" />
      <Show when={props.ready}>
        <h2 class={styles.title}>How can I help?</h2>
      </Show>
      <Show when={props.ready && props.model}>
        <p class={styles.sub}>
          Answers come from <span class={styles.model}>{props.model}</span> and stream in as they are written.
        </p>
      </Show>
    </div>
  );
}
