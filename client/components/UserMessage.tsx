import { type JSX, Show, createSignal, lazy } from "solid-js";
import type { Message } from "../chat/store.ts";
import CopyButton from "../markdown/CopyButton.tsx";
import shared from "./ChatMessage.module.css";
import styles from "./UserMessage.module.css";
import { PencilIcon } from "./icons.tsx";

// Files and the editor are their own chunks: most pages show neither at first.
const AttachmentList = lazy(() => import("./AttachmentList.tsx"));
const MessageEditor = lazy(() => import("./MessageEditor.tsx"));

/**
 * A user's message: its files, its text (a text node, never HTML), Copy, and Edit, which turns it into a box
 * whose Save asks it again as a new version (the old one stays, reached by `versions`, the version switch).
 */
export default function UserMessage(props: {
  message: Message;
  canEdit: boolean;
  onEdit: (text: string) => void;
  versions?: JSX.Element;
}) {
  const [editing, setEditing] = createSignal(false);
  let editButton: HTMLButtonElement | undefined;
  const close = () => {
    setEditing(false);
    editButton?.focus();
  };

  return (
    <div class={`${shared.user} ${styles.stack}`} classList={{ [styles.editing!]: editing() }} data-role="user">
      <span class="visually-hidden">You said:</span>
      <Show when={editing()}>
        <MessageEditor
          text={props.message.content}
          canEdit={props.canEdit}
          onSave={(text) => {
            setEditing(false);
            if (text !== props.message.content) props.onEdit(text);
          }}
          onClose={close}
        />
      </Show>
      <Show when={!editing()}>
        <Show when={props.message.attachments}>{(files) => <AttachmentList items={files()} />}</Show>
        <Show when={props.message.content}>
          <p class={shared.bubble} data-text>
            {props.message.content}
          </p>
        </Show>
        <div class={styles.actions}>
          {props.versions}
          <CopyButton text={() => props.message.content} />
          <Show when={props.canEdit}>
            <button ref={editButton} type="button" class={styles.edit} aria-label="Edit message" onClick={() => setEditing(true)}>
              <PencilIcon />
              Edit
            </button>
          </Show>
        </div>
      </Show>
    </div>
  );
}
