import { Show, createSignal, onMount } from "solid-js";
import styles from "./TokenForm.module.css";

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
        <svg class={styles.icon} viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
          <rect x="4" y="9" width="12" height="8" rx="2" fill="none" stroke="currentColor" stroke-width="1.6" />
          <path d="M7 9V6.5a3 3 0 0 1 6 0V9" fill="none" stroke="currentColor" stroke-width="1.6" />
        </svg>
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
