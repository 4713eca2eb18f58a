import styles from "./Notice.module.css";

/**
 * Asked once, when the server first keeps history: conversations this browser had before are not on the
 * server yet. Upload puts them there (every device of this owner then sees them); Keep here leaves them
 * in this browser only, as they were.
 */
export default function UploadOffer(props: { count: number; onChoose: (upload: boolean) => void }) {
  const some = () => (props.count === 1 ? "1 conversation" : `${props.count} conversations`);
  return (
    <div class={styles.wrap}>
      <div class={styles.notice} role="region" aria-label="Conversations in this browser">
        <div class={styles.body}>
          <p class={styles.title}>This server now keeps your conversations</p>
          <p class={styles.problem}>
            {some()} in this browser {props.count === 1 ? "is not on it yet. Upload it" : "are not on it yet. Upload them"} to see{" "}
            {props.count === 1 ? "it" : "them"} on your other devices?
          </p>
        </div>
        <button type="button" class={styles.again} onClick={() => props.onChoose(false)}>
          Keep here only
        </button>
        <button type="button" class={styles.again} onClick={() => props.onChoose(true)}>
          Upload
        </button>
      </div>
    </div>
  );
}
