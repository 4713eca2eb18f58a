import { For, Show } from "solid-js";
import { size } from "../chat/attachment-files.ts";
import type { Attachment } from "../chat/attachments.ts";
import styles from "./AttachmentList.module.css";
import { CloseIcon } from "./icons.tsx";

/**
 * Files as a row of thumbnails (images) and chips (text files: name and size), and notes about files not
 * taken. In the composer each has a × (`onRemove`); in a sent message they only show. Its own chunk:
 * loaded the first time a file is attached or a message with files is shown.
 */
export default function AttachmentList(props: {
  items: readonly Attachment[];
  onRemove?: (id: string) => void;
  notes?: readonly string[];
  onDismiss?: () => void;
}) {
  return (
    <div class={styles.list} data-attachments>
      <For each={props.items}>
        {(a) => (
          <div class={styles.item} classList={{ [styles.image!]: a.kind === "image" && !a.dropped }} data-attachment={a.kind} title={a.name}>
            <Show
              when={a.kind === "image" && !a.dropped}
              fallback={
                <span class={styles.chip}>
                  <FileIcon />
                  <span class={styles.name}>{a.name}</span>
                  <span class={styles.size}>{a.dropped ? "not kept" : size(new Blob([a.data]).size)}</span>
                </span>
              }
            >
              <img class={styles.thumb} src={a.data} alt={a.name} />
            </Show>
            <Show when={props.onRemove}>
              <button type="button" class={styles.remove} aria-label={`Remove ${a.name}`} onClick={() => props.onRemove!(a.id)}>
                <CloseIcon />
              </button>
            </Show>
          </div>
        )}
      </For>
      <Show when={props.notes?.length}>
        <div class={styles.notes} role="alert">
          <div class={styles.texts}>
            <For each={props.notes}>{(note) => <p class={styles.note}>{note}</p>}</For>
          </div>
          <Show when={props.onDismiss}>
            <button type="button" class={styles.dismiss} aria-label="Dismiss" onClick={() => props.onDismiss!()}>
              <CloseIcon />
            </button>
          </Show>
        </div>
      </Show>
    </div>
  );
}

const FileIcon = () => (
  <svg viewBox="0 0 20 20" width="16" height="16" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round">
    <path d="M5 2.5h6.5L15 6v11.5H5zM11.5 2.5V6H15" />
  </svg>
);
