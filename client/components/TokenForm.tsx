import { Show, createSignal, onMount } from "solid-js";
import styles from "./TokenForm.module.css";
import { LockIcon } from "./icons.tsx";

/**
 * Asks for the server's access token (CHAT_AUTH_TOKEN), in place of the composer; loaded by ./TokenPrompt.tsx.
 * `onUnlock` tries the token and answers why it was refused, or nothing once it works.
 */
export default function TokenForm(props: { error?: string; onUnlock: (token: string) => Promise<string | undefined> }) {
  let input!: HTMLInputElement;
  const [error, setError] = createSignal(props.error);
  const [busy, setBusy] = createSignal(false);
  onMount(() => input.focus());

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const token = input.value.trim();
    if (busy()) return;
    if (!token) return setError("Enter the access token first.");
    setBusy(true);
    const problem = await props.onUnlock(token);
    setBusy(false);
    if (!problem) return;
    setError(problem);
    input.select();
  };

  return (
    <div class={styles.dock}>
      <form class={styles.prompt} aria-labelledby="token-title" onSubmit={submit}>
        <LockIcon class={styles.icon} />
        <div class={styles.body}>
          <h2 id="token-title" class={styles.title}>
            This chat needs an access token
          </h2>
          <p id="token-help" class={styles.help}>
            Enter the token the server was started with (<code>CHAT_AUTH_TOKEN</code>). This browser keeps it.
          </p>
          <div class={styles.row}>
            <label class="visually-hidden" for="token-input">
              Access token
            </label>
            <input
              ref={input}
              id="token-input"
              class={styles.input}
              type="password"
              autocomplete="current-password"
              spellcheck={false}
              placeholder="Access token"
              aria-invalid={error() ? "true" : undefined}
              aria-describedby={error() ? "token-error token-help" : "token-help"}
            />
            <button type="submit" class={styles.unlock} disabled={busy()}>
              Unlock
            </button>
          </div>
          <Show when={error()}>
            <p id="token-error" class={styles.error} role="alert">
              {error()}
            </p>
          </Show>
        </div>
      </form>
    </div>
  );
}
