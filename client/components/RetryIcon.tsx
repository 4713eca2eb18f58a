/** The circular arrow of Retry and Regenerate: one drawing for both buttons. */
export default function RetryIcon() {
  return (
    <svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true">
      <path
        d="M15.5 10a5.5 5.5 0 1 1-1.6-3.9M15.5 3.5v3h-3"
        stroke="currentColor"
        stroke-width="1.8"
        stroke-linecap="round"
        stroke-linejoin="round"
        fill="none"
      />
    </svg>
  );
}
