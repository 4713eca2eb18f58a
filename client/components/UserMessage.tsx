import { type JSX, Show, createSignal } from "solid-js";
import type { Message } from "../chat/store.ts";
import CopyButton from "../markdown/CopyButton.tsx";
import shared from "./ChatMessage.module.css";
import styles from "./UserMessage.module.css";

/**
 * A user's message: its text (a text node, never HTML), Copy, and Edit, which turns it into a box whose
 * Save asks it again as a new version (the old one stays, reached by `versions`, the version switch).
 */
export default function UserMessage(props: {
  message: Message;
  canEdit: boolean;
  onEdit: (text: string) => void;
  versions?: JSX.Element;
}) {
  const [editing, setEditing] = createSignal(false);
  let box!: HTMLTextAreaElement;
  let editButton: HTMLButtonElement | undefined;

  const open = () => {
    setEditing(true);
    box.value = props.message.content;
    fit();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  };
  const close = () => {
    setEditing(false);
    editButton?.focus();
  };
  const save = () => {
    const text = box.value.trim();
    if (!text || !props.canEdit) return;
    setEditing(false);
    if (text !== props.message.content) props.onEdit(text);
  };
  // Through the CSSOM: the page's CSP allows this, not a style attribute.
  const fit = () => {
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight, 320)}px`;
  };

  return (
    <div class={`${shared.user} ${styles.stack}`} classList={{ [styles.editing!]: editing() }} data-role="user">
      <span class="visually-hidden">You said:</span>
      <form
        class={styles.editor}
        hidden={!editing()}
        onSubmit={(e) => {
          e.preventDefault();
          save();
        }}
      >
        <textarea
          ref={box}
          class={styles.input}
          aria-label="Edit message"
          rows={1}
          onInput={fit}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              e.preventDefault(); // only this edit is cancelled, not the answer
              close();
            } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              save();
            }
          }}
        />
        <div class={styles.buttons}>
          <button type="button" class={styles.cancel} onClick={close}>
            Cancel
          </button>
          <button type="submit" class={styles.save} disabled={!props.canEdit}>
            Save &amp; send
          </button>
        </div>
      </form>
      <Show when={!editing()}>
        <p class={shared.bubble} data-text>
          {props.message.content}
        </p>
        <div class={styles.actions}>
          {props.versions}
          <CopyButton text={() => props.message.content} />
          <Show when={props.canEdit}>
            <button ref={editButton} type="button" class={styles.edit} aria-label="Edit message" onClick={open}>
              <svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true">
                <path
                  d="M12.5 4.5l3 3L8 15H5v-3z"
                  stroke="currentColor"
                  stroke-width="1.6"
                  stroke-linejoin="round"
                  fill="none"
                />
              </svg>
              Edit
            </button>
          </Show>
        </div>
      </Show>
    </div>
  );
}
