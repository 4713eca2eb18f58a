import styles from "./Notice.module.css";
import { WarningIcon } from "./icons.tsx";

/** Why the server cannot chat yet (no API key, unreachable), in its own words, with a way to check again. */
export default function Notice(props: { problem: string; onCheckAgain: () => void }) {
  return (
    <div class={styles.wrap}>
      <div class={styles.notice} role="alert">
        <WarningIcon class={styles.icon} />
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
