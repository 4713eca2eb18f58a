import { Show } from "solid-js";
import styles from "./Header.module.css";

/** The top bar: the product, the model answering (marked when the conversation chose it), settings and "New chat". */
export default function Header(props: {
  sidebarOpen: boolean;
  onToggleSidebar: () => void;
  model: string | undefined;
  /** The model is the conversation's choice, not the server's default. */
  chosen: boolean;
  canClear: boolean;
  onNewChat: () => void;
  onSettings: () => void;
  settingsRef?: (el: HTMLButtonElement) => void;
}) {
  return (
    <header class={styles.header}>
      <div class={styles.brand}>
        <button
          type="button"
          class={styles.icon}
          aria-label="Conversations"
          title="Conversations (Ctrl+K searches)"
          aria-expanded={props.sidebarOpen}
          aria-controls="sidebar"
          onClick={() => props.onToggleSidebar()}
        >
          <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
            <path d="M3 5h14M3 10h14M3 15h14" stroke="currentColor" stroke-width="1.7" stroke-linecap="round" fill="none" />
          </svg>
        </button>
        <span class={styles.mark} aria-hidden="true" />
        <h1 class={styles.title}>Chat</h1>
        <Show when={props.model}>
          <span
            class={styles.model}
            classList={{ [styles.chosen!]: props.chosen }}
            title={props.chosen ? "Model chosen for this conversation" : "Model (server default)"}
            data-model-chosen={props.chosen ? "" : undefined}
          >
            {props.model}
          </span>
        </Show>
      </div>
      <div class={styles.actions}>
        <button
          ref={props.settingsRef}
          type="button"
          class={styles.icon}
          aria-label="Settings"
          title="Settings"
          aria-haspopup="dialog"
          onClick={() => props.onSettings()}
        >
          <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
            <path
              d="M3 6h8m4 0h2M3 14h2m4 0h8"
              stroke="currentColor"
              stroke-width="1.7"
              stroke-linecap="round"
              fill="none"
            />
            <circle cx="13" cy="6" r="2" fill="none" stroke="currentColor" stroke-width="1.7" />
            <circle cx="7" cy="14" r="2" fill="none" stroke="currentColor" stroke-width="1.7" />
          </svg>
        </button>
        <button
          type="button"
          class={styles.newChat}
          disabled={!props.canClear}
          title="New chat (Ctrl+Shift+O)"
          aria-keyshortcuts="Control+Shift+O Meta+Shift+O"
          onClick={() => props.onNewChat()}
        >
          <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true">
            <path d="M10 4v12M4 10h12" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" fill="none" />
          </svg>
          <span>New chat</span>
        </button>
      </div>
    </header>
  );
}
