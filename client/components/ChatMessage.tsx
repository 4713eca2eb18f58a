import { Match, Show, Switch } from "solid-js";
import type { Message } from "../chat/store.ts";
import CopyButton from "../markdown/CopyButton.tsx";
import Markdown from "../markdown/Markdown.tsx";
import AnswerFooter from "./AnswerFooter.tsx";
import styles from "./ChatMessage.module.css";
import ThoughtBlock from "./ThoughtBlock.tsx";
import UserMessage from "./UserMessage.tsx";
import VersionSwitch from "./VersionSwitch.tsx";
import { ErrorIcon, RetryIcon } from "./icons.tsx";

/**
 * One message. A user's text is a text node under `white-space: pre-wrap`; an answer is markdown, rendered
 * and then sanitised by ../markdown (model output is untrusted). Store updates by path reach only the
 * answer that is streaming.
 */
export default function ChatMessage(props: {
  message: Message;
  last: boolean;
  /** An answer is streaming: no edits or regenerating until it ends. */
  busy: boolean;
  onRetry: () => void;
  onEdit: (text: string) => void;
  /** The ids of this message's versions (itself included), oldest first. */
  versions: readonly string[];
  onSelect: (id: string) => void;
}) {
  const m = () => props.message;
  const versions = () => (
    <Show when={props.versions.length > 1}>
      <VersionSwitch ids={props.versions} current={m().id} disabled={props.busy} onSelect={props.onSelect} />
    </Show>
  );
  const waiting = () => m().status === "streaming" && m().content === "" && !m().reasoning;
  // The thinking says itself that it was cut short; an answer that never started has no text to show.
  const onlyThought = () => !!m().reasoning && m().content === "";

  return (
    <Show
      when={m().role === "assistant"}
      fallback={<UserMessage message={m()} canEdit={!props.busy} onEdit={props.onEdit} versions={versions()} />}
    >
      <article class={styles.assistant} data-role="assistant" data-status={m().status}>
        <span class="visually-hidden">Answer:</span>
        <Show when={m().reasoning}>
          <ThoughtBlock message={m()} />
        </Show>
        <Show when={!waiting()} fallback={<Typing />}>
          <Show when={!onlyThought()}>
            <Markdown source={m().content} streaming={m().status === "streaming"} />
          </Show>
        </Show>
        <Switch>
          <Match when={m().status === "streaming" && m().reconnecting}>
            <p class={styles.note}>Reconnecting…</p>
          </Match>
          <Match when={m().status === "stopped" && !onlyThought()}>
            <p class={styles.note}>Stopped</p>
          </Match>
          <Match when={m().status === "error" && m().error}>
            {(error) => (
              <div class={styles.error} role="alert">
                <ErrorIcon class={styles.errorIcon} />
                <div class={styles.errorBody}>
                  <p class={styles.errorText}>
                    {error().message}
                    <Show when={error().retryAfter}>{(s) => ` Try again in ${s()} s.`}</Show>
                  </p>
                  <Show when={props.last}>
                    <button type="button" class={styles.retry} onClick={() => props.onRetry()}>
                      <RetryIcon />
                      Retry
                    </button>
                  </Show>
                </div>
              </div>
            )}
          </Match>
        </Switch>
        <Show when={m().unsaved}>{(why) => <p class={styles.note} role="status">{why()}</p>}</Show>
        <AnswerFooter message={m()} canRegenerate={props.last && !props.busy} onRegenerate={props.onRetry}>
          {versions()}
          <Show when={m().status !== "streaming" && m().content !== ""}>
            <CopyButton text={() => m().content} />
          </Show>
        </AnswerFooter>
      </article>
    </Show>
  );
}

function Typing() {
  return (
    <p class={styles.typing} aria-label="Thinking">
      <span />
      <span />
      <span />
    </p>
  );
}
