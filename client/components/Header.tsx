import { Show } from "solid-js";
import styles from "./Header.module.css";
import { MenuIcon, PlusIcon, SlidersIcon } from "./icons.tsx";

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
          <MenuIcon />
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
          <SlidersIcon />
        </button>
        <button
          type="button"
          class={styles.newChat}
          disabled={!props.canClear}
          title="New chat (Ctrl+Shift+O)"
          aria-keyshortcuts="Control+Shift+O Meta+Shift+O"
          onClick={() => props.onNewChat()}
        >
          <PlusIcon />
          <span>New chat</span>
        </button>
      </div>
    </header>
  );
}
