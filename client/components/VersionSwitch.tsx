import styles from "./VersionSwitch.module.css";

// Read once: as constants, the classes are set when the elements are made rather than watched by effects.
const { step: stepClass, switch: switchClass } = styles;

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
  const step = (by: number, label: string, text: string) => (
    <button
      type="button"
      class={stepClass}
      aria-label={label}
      disabled={props.disabled || !props.ids[at() + by]}
      onClick={() => {
        const id = props.ids[at() + by]!;
        props.onSelect(id);
        // The message is drawn anew for the version shown: focus goes to its switch, not to the page.
        const buttons = [...document.querySelectorAll<HTMLElement>(`[data-version="${CSS.escape(id)}"] :enabled`)];
        (buttons.find((b) => b.ariaLabel === label) ?? buttons[0])?.focus();
      }}
    >
      {text}
    </button>
  );
  return (
    <div class={switchClass} role="group" aria-label={`Version ${at() + 1} of ${props.ids.length}`} data-version={props.current}>
      {step(-1, "Previous version", "‹")}
      <span aria-hidden="true">{`${at() + 1}/${props.ids.length}`}</span>
      {step(1, "Next version", "›")}
    </div>
  );
}
