import { createEffect, createSignal, on, onCleanup } from "solid-js";

/** Where the sidebar opens over the page instead of beside it (Sidebar.module.css). */
const OVER_THE_PAGE = "(max-width: 759px)";
const FOCUSABLE =
  'a[href], button:not([disabled]), input:not([disabled]):not([tabindex="-1"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Makes a panel that opens over the page (the sidebar on a phone) behave as a modal drawer: focus moves
 * into it on open and Tab keeps it there, Esc closes it, everything beside it is inert while it is open,
 * and focus goes back to where it was (the menu button) when it closes. Where the panel sits beside the
 * page it is left alone. Call inside a component; put `onKeyDown` on the panel.
 */
export function createModalDrawer(o: {
  panel: () => HTMLElement;
  open: () => boolean;
  onClose: () => void;
  /** Where focus goes on open. */
  initialFocus: () => HTMLElement | undefined;
  /** Where focus goes on close when where it came from is gone. */
  fallbackFocus: () => HTMLElement | null;
  /** Siblings that stay live (the scrim, whose click closes the drawer). */
  keep: (el: Element) => boolean;
}) {
  const media = window.matchMedia(OVER_THE_PAGE);
  const [over, setOver] = createSignal(media.matches);
  const onMedia = () => setOver(media.matches);
  media.addEventListener("change", onMedia);

  const modal = () => o.open() && over();
  let inert: HTMLElement[] = [];
  let cameFrom: HTMLElement | null = null;
  const release = () => {
    for (const el of inert) el.inert = false;
    inert = [];
  };

  createEffect(
    on(modal, (isModal, was) => {
      const panel = o.panel();
      if (isModal) {
        cameFrom = document.activeElement instanceof HTMLElement ? document.activeElement : null;
        inert = [...(panel.parentElement?.children ?? [])].filter(
          (el): el is HTMLElement => el instanceof HTMLElement && el !== panel && !el.inert && !o.keep(el),
        );
        for (const el of inert) el.inert = true;
        if (!panel.contains(document.activeElement)) o.initialFocus()?.focus();
        return;
      }
      if (!was) return;
      release();
      // Closed (rather than the window widening past the phone layout): focus goes back.
      if (!o.open() && (panel.contains(document.activeElement) || document.activeElement === document.body)) {
        const back = cameFrom?.isConnected && !panel.contains(cameFrom) && !cameFrom.closest("[inert]") ? cameFrom : o.fallbackFocus();
        back?.focus();
      }
      cameFrom = null;
    }),
  );

  onCleanup(() => {
    media.removeEventListener("change", onMedia);
    release();
  });

  return {
    onKeyDown(e: KeyboardEvent) {
      if (!modal() || e.defaultPrevented) return;
      if (e.key === "Escape") {
        e.preventDefault();
        o.onClose();
        return;
      }
      if (e.key !== "Tab") return;
      const items = [...o.panel().querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
      const first = items[0];
      const last = items.at(-1);
      if (!first || !last) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    },
  };
}
