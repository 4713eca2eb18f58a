import { Show, createSignal, lazy } from "solid-js";
import type { Attachment } from "../chat/attachments.ts";
import styles from "./Composer.module.css";
import type { FilesHandle } from "./ComposerFiles.tsx";
import { PaperclipIcon, SendIcon, StopIcon } from "./icons.tsx";

// Reading, scaling and showing files: a chunk of its own, mounted just after the first paint.
const ComposerFiles = lazy(() => import("./ComposerFiles.tsx"));

// Grows with its text up to this height, then scrolls.
const MAX_HEIGHT = 200;

/**
 * The message box: Enter sends, Shift+Enter starts a new line; while an answer streams, Send becomes Stop.
 * Files come by the paperclip, a drop anywhere on the page, or paste (a long pasted text becomes a file).
 */
export default function Composer(props: {
  disabled: boolean;
  streaming: boolean;
  onSend: (text: string, attachments: Attachment[]) => void;
  onStop: () => void;
  /** The message box, for the page's "/" shortcut. */
  inputRef?: (el: HTMLTextAreaElement) => void;
  /** Longest side images are scaled to; unset: the default (2048 px). */
  imageMaxSide?: number | undefined;
  /** Files the browser's storage could not keep (a new list each time). */
  dropped?: readonly string[] | undefined;
}) {
  let box!: HTMLTextAreaElement;
  let files: FilesHandle | undefined;
  const [text, setText] = createSignal("");
  const [attached, setAttached] = createSignal({ files: 0, reading: false });
  const canSend = () =>
    !props.disabled && !props.streaming && !attached().reading && (text().trim().length > 0 || attached().files > 0);

  // Inline style through the CSSOM: the page's CSP (style-src 'self') allows this, not a style attribute.
  const fit = () => {
    box.style.height = "auto";
    box.style.height = `${Math.min(box.scrollHeight, MAX_HEIGHT)}px`;
  };

  const send = () => {
    if (!canSend()) return;
    props.onSend(text(), files?.take() ?? []);
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
        <ComposerFiles
          handle={(h) => (files = h)}
          box={() => box}
          composer={props}
          onState={setAttached}
        />
        <button type="button" class={styles.clip} aria-label="Attach files" disabled={props.disabled} onClick={() => files?.pick()}>
          <PaperclipIcon />
        </button>
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
              <SendIcon />
            </button>
          }
        >
          <button type="button" class={styles.stop} aria-label="Stop" onClick={() => props.onStop()}>
            <StopIcon />
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
