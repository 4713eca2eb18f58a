import { copyText, flashCopied } from "./copy-text.ts";
import styles from "./Markdown.module.css";

/** Copies a whole message as the markdown the model wrote. */
export default function CopyButton(props: { text: () => string; label?: string }) {
  return (
    <button
      type="button"
      class={styles.copyMessage}
      aria-label={props.label ?? "Copy message"}
      onClick={(e) => {
        const button = e.currentTarget;
        void copyText(props.text()).then((ok) => flashCopied(button, ok));
      }}
    >
      Copy
    </button>
  );
}
