import { Show } from "solid-js";
import styles from "./VersionSwitch.module.css";

/** `‹ 2/3 ›` on a message written more than once (edited, regenerated): shows another version in its place. */
export default function VersionSwitch(props: {
  /** The ids of the versions, oldest first. */
  ids: readonly string[];
  current: string;
  /** An answer is streaming: versions stay as they are until it ends. */
  disabled: boolean;
  onSelect: (id: string) => void;
}) {
  const at = () => props.ids.indexOf(props.current);
  // The message is drawn anew for the version shown: focus goes to its switch, not lost to the page.
  const select = (button: HTMLElement, id: string, label: string) => {
    const log = button.closest("[role=log]");
    const row = log && [...log.children].findIndex((c) => c.contains(button));
    props.onSelect(id);
    const next = log?.children[row!];
    (next?.querySelector<HTMLElement>(`[aria-label="${label}"]:enabled`) ?? next?.querySelector<HTMLElement>("[data-versions] :enabled"))?.focus();
  };
  const step = (by: number, label: string, text: string) => (
    <button
      type="button"
      class={styles.step}
      aria-label={label}
      disabled={props.disabled || !props.ids[at() + by]}
      onClick={(e) => select(e.currentTarget, props.ids[at() + by]!, label)}
    >
      {text}
    </button>
  );
  return (
    <Show when={props.ids.length > 1}>
      <div class={styles.switch} role="group" aria-label={`Version ${at() + 1} of ${props.ids.length}`} data-versions>
        {step(-1, "Previous version", "‹")}
        <span aria-hidden="true">
          {at() + 1}/{props.ids.length}
        </span>
        {step(1, "Next version", "›")}
      </div>
    </Show>
  );
}
