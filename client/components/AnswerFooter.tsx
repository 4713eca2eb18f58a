import { type JSX, Show } from "solid-js";
import type { Message } from "../chat/store.ts";
import { finishNote, usageLine } from "../chat/usage.ts";
import styles from "./AnswerFooter.module.css";
import { RetryIcon, StoppedIcon } from "./icons.tsx";

/**
 * Under a finished answer: its actions (`children`, e.g. Copy, then Regenerate on the last answer), why it
 * was cut short when it was, and a quiet usage line when the upstream reported token counts.
 */
export default function AnswerFooter(props: {
  message: Message;
  /** Regenerate is offered on the last answer only, and not while another answer streams. */
  canRegenerate: boolean;
  onRegenerate: () => void;
  children?: JSX.Element;
}) {
  const m = () => props.message;
  // "Stopped" by the user already shows above; here only what the model's finish reason says.
  const cut = () => (m().status === "done" ? finishNote(m().finishReason, m().status) : undefined);

  return (
    <Show when={m().status !== "streaming"}>
      <Show when={cut()}>
        {(note) => (
          <p class={styles.cut} data-finish={m().finishReason}>
            <StoppedIcon />
            {note()}
          </p>
        )}
      </Show>
      <div class={styles.footer}>
        {props.children}
        <Show when={m().refusal}>
          <span class={styles.refused} data-refusal title="The model declined to answer">
            Refused
          </span>
        </Show>
        <Show when={props.canRegenerate && m().status !== "error"}>
          <button type="button" class={styles.action} onClick={() => props.onRegenerate()}>
            <RetryIcon />
            Regenerate
          </button>
        </Show>
        <Show when={m().usage}>
          {(usage) => (
            <span class={styles.usage} data-usage title={usageTitle(m())}>
              {usageLine(usage(), m().writingMs)}
            </span>
          )}
        </Show>
      </div>
    </Show>
  );
}

function usageTitle(m: Message): string {
  const u = m.usage!;
  const parts = [`${u.prompt_tokens} prompt + ${u.completion_tokens} completion = ${u.total_tokens} tokens`];
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (reasoning) parts.push(`${reasoning} of them thinking`);
  if (m.writingMs !== undefined) parts.push(`written in ${(m.writingMs / 1000).toFixed(1)} s`);
  if (m.model) parts.push(m.model);
  return parts.join(" · ");
}
