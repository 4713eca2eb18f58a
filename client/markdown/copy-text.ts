/**
 * Puts text on the clipboard. `navigator.clipboard` exists only in secure contexts, and the chat may be
 * served over plain http on a LAN, so fall back to a selected off-screen textarea and `execCommand`.
 */
export async function copyText(text: string): Promise<boolean> {
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      return true;
    } catch {
      // Denied (no permission, not focused): try the old way.
    }
  }
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  try {
    return document.execCommand("copy");
  } finally {
    area.remove();
  }
}

/** Shows "Copied" on a button for a moment. */
export function flashCopied(button: HTMLElement, ok: boolean): void {
  const label = button.dataset.label ?? button.textContent ?? "";
  button.dataset.label = label;
  button.textContent = ok ? "Copied" : "Copy failed";
  button.toggleAttribute("data-copied", ok);
  setTimeout(() => {
    button.textContent = label;
    button.removeAttribute("data-copied");
  }, 1500);
}
