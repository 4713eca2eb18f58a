import { Show, createSignal } from "solid-js";
import styles from "./Composer.module.css";

// Grows with its text up to this height, then scrolls.
const MAX_HEIGHT = 200;

/** The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Send becomes Stop. */
export default function Composer(props: {
  disabled: boolean;
  streaming: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
  /** The message box, for the page's "/" shortcut. */
  inputRef?: (el: HTMLTextAreaElement) => void;
}) {
  let box!: HTMLTextAreaElement;
  const [text, setText] = createSignal("");
  const canSend = () => !props.disabled && !props.streaming && text().trim().length > 0;

  // Inline style through the CSSOM: the page's CSP (style-src 'self') allows this, not a style attribute.
  const fit = () => {
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight, MAX_HEIGHT)}px`;
  };

  const send = () => {
    if (!canSend()) return;
    props.onSend(text());
    setText("");
    box.value = "";
    // Empty, the box is its natural one-row height: measuring it (fit) would force a layout in the keypress.
    box.style.height = "";
  };

  const onKeyDown = (e: KeyboardEvent) => {
    // isComposing: Enter also confirms an IME candidate (Japanese, Chinese), which must not send.
    if (e.key !== "Enter" || e.shiftKey || e.isComposing) return;
    e.preventDefault();
    send();
  };

  return (
    <div class={styles.dock}>
      <form
        class={styles.composer}
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <textarea
          ref={(el) => {
            box = el;
            props.inputRef?.(el);
          }}
          class={styles.input}
          rows={1}
          placeholder={props.disabled ? "Chat is unavailable until the server is set up" : "Message"}
          aria-label="Message"
          disabled={props.disabled}
          value={text()}
          onInput={(e) => {
            setText(e.currentTarget.value);
            fit();
          }}
          onKeyDown={onKeyDown}
        />
        <Show
          when={props.streaming}
          fallback={
            <button type="submit" class={styles.send} disabled={!canSend()} aria-label="Send">
              <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
                <path
                  d="M10 16V4m0 0L5 9m5-5 5 5"
                  stroke="currentColor"
                  stroke-width="2"
                  stroke-linecap="round"
                  stroke-linejoin="round"
                  fill="none"
                />
              </svg>
            </button>
          }
        >
          <button type="button" class={styles.stop} aria-label="Stop" onClick={() => props.onStop()}>
            <svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true">
              <rect x="4" y="4" width="12" height="12" rx="2.5" fill="currentColor" />
            </svg>
          </button>
        </Show>
      </form>
      <p class={styles.hint}>
        <Show
          when={props.streaming}
          fallback={
            <>
              <kbd>Enter</kbd> to send, <kbd>Shift</kbd> + <kbd>Enter</kbd> for a new line
            </>
          }
        >
          <kbd>Esc</kbd> to stop the answer
        </Show>
      </p>
    </div>
  );
}
