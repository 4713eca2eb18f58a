import { onMount } from "solid-js";
import styles from "./UserMessage.module.css";

/**
 * The box Edit opens on a user message: Enter (or Save & send) saves the text, Esc cancels. Its own chunk,
 * loaded the first time a message is edited.
 */
export default function MessageEditor(props: { text: string; canEdit: boolean; onSave: (text: string) => void; onClose: () => void }) {
  let box!: HTMLTextAreaElement;
  const save = () => {
    const text = box.value.trim();
    if (text && props.canEdit) props.onSave(text);
  };
  // Through the CSSOM: the page's CSP allows this, not a style attribute.
  const fit = () => {
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight, 320)}px`;
  };
  onMount(() => {
    box.value = props.text;
    fit();
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  });

  return (
    <form
      class={styles.editor}
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
            props.onClose();
          } else if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            save();
          }
        }}
      />
      <div class={styles.buttons}>
        <button type="button" class={styles.cancel} onClick={() => props.onClose()}>
          Cancel
        </button>
        <button type="submit" class={styles.save} disabled={!props.canEdit}>
          Save &amp; send
        </button>
      </div>
    </form>
  );
}
