import type { JSX } from "solid-js";

/**
 * The page's icons, drawn in one place on one 20×20 grid in the text's colour (`currentColor`), so a
 * button's icon follows its theme and state. Decorative: the button around an icon carries its label.
 * The line style (round caps and joins, no fill) is set once on the frame and inherited by every shape.
 */
function Icon(props: { size: number; class?: string | undefined; children: JSX.Element }) {
  return (
    <svg
      class={props.class}
      viewBox="0 0 20 20"
      width={props.size}
      height={props.size}
      aria-hidden="true"
      fill="none"
      stroke="currentColor"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      {props.children}
    </svg>
  );
}

type IconProps = { class?: string };

/** The circular arrow of Retry and Regenerate. */
export const RetryIcon = () => (
  <Icon size={14}>
    <path d="M15.5 10a5.5 5.5 0 1 1-1.6-3.9M15.5 3.5v3h-3" stroke-width="1.8" />
  </Icon>
);

/** Scroll to the latest message. */
export const ArrowDownIcon = () => (
  <Icon size={18}>
    <path d="M10 4v11m0 0-4.5-4.5M10 15l4.5-4.5" stroke-width="1.8" />
  </Icon>
);

/** A stopped answer. */
export const StoppedIcon = () => (
  <Icon size={15}>
    <circle cx="10" cy="10" r="7.5" stroke-width="1.6" />
    <path d="M7 10h6" stroke-width="1.8" />
  </Icon>
);

/** A failed answer. */
export const ErrorIcon = (props: IconProps) => (
  <Icon size={18} class={props.class}>
    <circle cx="10" cy="10" r="8" stroke-width="1.6" />
    <path d="M10 6v5" stroke-width="1.8" />
    <circle cx="10" cy="14" r="1.1" fill="currentColor" stroke="none" />
  </Icon>
);

/** A notice that needs attention. */
export const WarningIcon = (props: IconProps) => (
  <Icon size={20} class={props.class}>
    <path d="M10 3 18 17H2z" stroke-width="1.6" />
    <path d="M10 8v4" stroke-width="1.8" />
    <circle cx="10" cy="14.5" r="1" fill="currentColor" stroke="none" />
  </Icon>
);

/** Close a panel. */
export const CloseIcon = () => (
  <Icon size={16}>
    <path d="M5 5l10 10M15 5 5 15" stroke-width="1.8" />
  </Icon>
);

/** Send the message. */
export const SendIcon = () => (
  <Icon size={18}>
    <path d="M10 16V4m0 0L5 9m5-5 5 5" stroke-width="2" />
  </Icon>
);

/** Stop the answer. */
export const StopIcon = () => (
  <Icon size={14}>
    <rect x="4" y="4" width="12" height="12" rx="2.5" fill="currentColor" stroke="none" />
  </Icon>
);

/** Attach files. */
export const PaperclipIcon = () => (
  <Icon size={18}>
    <path d="M15.5 9.5 10 15a3.5 3.5 0 0 1-5-5l6-6a2.3 2.3 0 0 1 3.3 3.3l-6 6a1.2 1.2 0 0 1-1.7-1.7L12 6" stroke-width="1.6" />
  </Icon>
);

/** Rename. */
export const PencilIcon = () => (
  <Icon size={14}>
    <path d="M4 16l1-4 8-8 3 3-8 8zM11 6l3 3" stroke-width="1.6" />
  </Icon>
);

/** Delete. */
export const TrashIcon = () => (
  <Icon size={14}>
    <path d="M5 6h10M8 6V4h4v2M6.5 6l.7 10h5.6l.7-10" stroke-width="1.6" />
  </Icon>
);

/** The access token. */
export const LockIcon = (props: IconProps) => (
  <Icon size={20} class={props.class}>
    <rect x="4" y="9" width="12" height="8" rx="2" stroke-width="1.6" />
    <path d="M7 9V6.5a3 3 0 0 1 6 0V9" stroke-width="1.6" />
  </Icon>
);

/** Open the conversations. */
export const MenuIcon = () => (
  <Icon size={18}>
    <path d="M3 5h14M3 10h14M3 15h14" stroke-width="1.7" />
  </Icon>
);

/** Settings. */
export const SlidersIcon = () => (
  <Icon size={18}>
    <path d="M3 6h8m4 0h2M3 14h2m4 0h8" stroke-width="1.7" />
    <circle cx="13" cy="6" r="2" stroke-width="1.7" />
    <circle cx="7" cy="14" r="2" stroke-width="1.7" />
  </Icon>
);

/** A new chat. */
export const PlusIcon = () => (
  <Icon size={16}>
    <path d="M10 4v12M4 10h12" stroke-width="1.8" />
  </Icon>
);
