import { For, type JSX, Show, createMemo, createSignal } from "solid-js";
import { type Conversation, searchConversations, titleOf } from "../chat/conversations.ts";
import { createModalDrawer } from "./modal-drawer.ts";
import styles from "./Sidebar.module.css";
import { PencilIcon, TrashIcon } from "./icons.tsx";

/** The conversations, newest first: search, open, rename inline, delete (after a confirm). */
export default function Sidebar(props: {
  open: boolean;
  items: readonly Conversation[];
  activeId: string | undefined;
  /** Whether an answer is still arriving in a conversation (shown as a dot). */
  answering?: (id: string) => boolean;
  onOpen: (id: string) => void;
  onRename: (id: string, title: string) => void;
  onRemove: (id: string) => void;
  onClose: () => void;
  searchRef?: (el: HTMLInputElement) => void;
  /** Export and import controls, under the list. */
  footer?: JSX.Element;
}) {
  const [query, setQuery] = createSignal("");
  const [renaming, setRenaming] = createSignal<string>();
  const shown = createMemo(() => searchConversations(props.items, query()));
  let panel!: HTMLElement;
  let search: HTMLInputElement | undefined;
  // On a phone it opens over the page: a modal drawer until it closes.
  const drawer = createModalDrawer({
    panel: () => panel,
    open: () => props.open,
    onClose: () => props.onClose(),
    initialFocus: () => search,
    fallbackFocus: () => document.querySelector<HTMLElement>('[aria-controls="sidebar"]'),
    keep: (el) => el.classList.contains(styles.scrim!),
  });

  const finishRename = (id: string, input: HTMLInputElement, keep: boolean) => {
    if (renaming() !== id) return;
    setRenaming(undefined);
    if (keep) props.onRename(id, input.value);
  };

  return (
    <>
      <Show when={props.open}>
        <div class={styles.scrim} aria-hidden="true" onClick={() => props.onClose()} />
      </Show>
      <aside
        ref={panel}
        id="sidebar"
        class={styles.sidebar}
        classList={{ [styles.open!]: props.open }}
        aria-label="Conversations"
        onKeyDown={drawer.onKeyDown}
      >
        <div class={styles.top}>
          <input
            ref={(el) => {
              search = el;
              props.searchRef?.(el);
            }}
            type="search"
            class={styles.search}
            placeholder="Search (Ctrl+K)"
            aria-label="Search conversations"
            aria-keyshortcuts="Control+K Meta+K"
            value={query()}
            onInput={(e) => setQuery(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Escape" && query()) {
                e.preventDefault();
                setQuery("");
              }
            }}
          />
        </div>
        <nav class={styles.list}>
          <ul>
            <For each={shown()}>
              {(c) => (
                <li class={styles.item} classList={{ [styles.active!]: c.id === props.activeId }} data-conversation={c.id}>
                  <Show
                    when={renaming() === c.id}
                    fallback={
                      <>
                        <button
                          type="button"
                          class={styles.title}
                          aria-current={c.id === props.activeId ? "page" : undefined}
                          onClick={() => props.onOpen(c.id)}
                        >
                          {titleOf(c)}
                        </button>
                        <Show when={props.answering?.(c.id)}>
                          <span class={styles.live} role="img" aria-label="Answering" />
                        </Show>
                        <button
                          type="button"
                          class={styles.tool}
                          aria-label={`Rename “${titleOf(c)}”`}
                          title="Rename"
                          onClick={() => setRenaming(c.id)}
                        >
                          <PencilIcon />
                        </button>
                        <button
                          type="button"
                          class={styles.tool}
                          aria-label={`Delete “${titleOf(c)}”`}
                          title="Delete"
                          onClick={() => {
                            if (window.confirm(`Delete “${titleOf(c)}”? This cannot be undone.`)) props.onRemove(c.id);
                          }}
                        >
                          <TrashIcon />
                        </button>
                      </>
                    }
                  >
                    <input
                      ref={(el) => queueMicrotask(() => (el.focus(), el.select()))}
                      class={styles.rename}
                      aria-label="Conversation title"
                      value={titleOf(c)}
                      onKeyDown={(e) => {
                        if (e.key === "Enter") finishRename(c.id, e.currentTarget, true);
                        else if (e.key === "Escape") {
                          e.preventDefault();
                          finishRename(c.id, e.currentTarget, false);
                        }
                      }}
                      onBlur={(e) => finishRename(c.id, e.currentTarget, true)}
                    />
                  </Show>
                </li>
              )}
            </For>
          </ul>
          <Show when={shown().length === 0 && query()}>
            <p class={styles.none}>No conversation matches “{query()}”.</p>
          </Show>
        </nav>
        {props.footer}
      </aside>
    </>
  );
}
