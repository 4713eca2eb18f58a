import { Show } from "solid-js";
import styles from "./Header.module.css";

/** The top bar: the product, the model answering, and "New chat". */
export default function Header(props: { model: string | undefined; canClear: boolean; onNewChat: () => void }) {
  return (
    <header class={styles.header}>
      <div class={styles.brand}>
        <span class={styles.mark} aria-hidden="true" />
        <h1 class={styles.title}>Chat</h1>
        <Show when={props.model}>
          <span class={styles.model} title="Model">
            {props.model}
          </span>
        </Show>
      </div>
      <button type="button" class={styles.newChat} disabled={!props.canClear} onClick={() => props.onNewChat()}>
        <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
          <path d="M10 4v12M4 10h12" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" fill="none" />
        </svg>
        <span>New chat</span>
      </button>
    </header>
  );
}
