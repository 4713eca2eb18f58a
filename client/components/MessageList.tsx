import { For, Show, createEffect, createSignal, on, onCleanup, onMount } from "solid-js";
import { type ChatState, versionsOf } from "../chat/store.ts";
import ChatMessage from "./ChatMessage.tsx";
import styles from "./MessageList.module.css";
import { ArrowDownIcon } from "./icons.tsx";

// Within this many pixels of the bottom counts as "at the bottom" (sub-pixel rounding, a line of slack).
const BOTTOM_SLACK = 40;

/**
 * The conversation. It follows new text while the reader is at the bottom, lets go when they scroll up,
 * and follows again once they are back. `aria-busy` keeps screen readers from reading every token:
 * the log is announced once the answer is complete.
 */
export default function MessageList(props: {
  state: ChatState;
  onRetry: () => void;
  onEdit: (id: string, text: string) => void;
  /** Shows another version of a message. */
  onSelect: (id: string) => void;
}) {
  let scroller!: HTMLDivElement;
  const thinking = () => {
    const last = props.state.messages.at(-1);
    return last?.status === "streaming" && last.content === "" && !!last.reasoning;
  };
  let content!: HTMLDivElement;
  const [following, setFollowing] = createSignal(true);

  const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight <= BOTTOM_SLACK;
  const toBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
  };
  // Only a move up lets go. A scroll event is dispatched a frame after our own scroll to the bottom, and
  // by then more text may have arrived: judged by position alone, that would look like the reader leaving.
  let lastTop = 0;
  const onScroll = () => {
    const top = scroller.scrollTop;
    if (atBottom()) setFollowing(true);
    else if (top < lastTop) setFollowing(false);
    lastTop = top;
  };

  onMount(() => {
    // Growth of the text (streamed tokens, a new message) or a smaller viewport is what needs following.
    // Its first report, after the first layout, also brings a new list to the bottom: scrolling here would
    // force that layout in the middle of the task that mounts the list (the keypress that sends).
    const observer = new ResizeObserver(() => {
      if (following()) toBottom();
    });
    observer.observe(content);
    observer.observe(scroller);
    onCleanup(() => observer.disconnect());
  });

  // Sending a message always brings the reader back down to it.
  createEffect(
    on(
      () => props.state.messages.length,
      (n, prev) => {
        if (prev !== undefined && n > prev) setFollowing(true);
      },
    ),
  );

  return (
    <div class={styles.wrap}>
      <div class={styles.scroller} ref={scroller} onScroll={onScroll}>
        <div
          class={styles.log}
          ref={content}
          role="log"
          aria-label="Conversation"
          aria-live="polite"
          aria-busy={props.state.streaming}
        >
          <For each={props.state.messages}>
            {(message, i) => (
              <ChatMessage
                message={message}
                last={i() === props.state.messages.length - 1}
                busy={props.state.streaming}
                onRetry={props.onRetry}
                onEdit={(text) => props.onEdit(message.id, text)}
                versions={versionsOf(props.state.all, message).map((v) => v.id)}
                onSelect={props.onSelect}
              />
            )}
          </For>
        </div>
      </div>
      {/* Outside the busy log, so it is heard: "Thinking" once when a model starts thinking, never each thought. */}
      <p class="visually-hidden" role="status">
        {thinking() ? "Thinking" : ""}
      </p>
      <Show when={!following()}>
        <button
          type="button"
          class={styles.jump}
          aria-label="Scroll to the latest message"
          onClick={() => {
            setFollowing(true);
            toBottom();
          }}
        >
          <ArrowDownIcon />
        </button>
      </Show>
    </div>
  );
}
