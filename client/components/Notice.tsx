import styles from "./Notice.module.css";

/** Why the server cannot chat yet (no API key, unreachable), in its own words, with a way to check again. */
export default function Notice(props: { problem: string; onCheckAgain: () => void }) {
  return (
    <div class={styles.wrap}>
      <div class={styles.notice} role="alert">
        <svg class={styles.icon} viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
          <path d="M10 3 18 17H2z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
          <path d="M10 8v4" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
          <circle cx="10" cy="14.5" r="1" fill="currentColor" />
        </svg>
        <div class={styles.body}>
          <p class={styles.title}>The server is not ready to chat</p>
          <p class={styles.problem}>{props.problem}</p>
        </div>
        <button type="button" class={styles.again} onClick={() => props.onCheckAgain()}>
          Check again
        </button>
      </div>
    </div>
  );
}
