import { createEffect, createSignal, onCleanup, onMount } from "solid-js";
import styles from "./Markdown.module.css";
import type { MarkdownView } from "./view.ts";

/**
 * A markdown answer. The renderer (marked, DOMPurify, remend) is a separate chunk loaded when the first
 * answer appears; until it arrives the text shows as plain text, exactly as before.
 */
export default function Markdown(props: { source: string; streaming: boolean }) {
  let root!: HTMLDivElement;
  const [view, setView] = createSignal<MarkdownView>();
  let disposed = false;

  onMount(() => {
    void import("./view.ts").then(({ mountMarkdown }) => {
      if (disposed) return;
      setView(
        mountMarkdown(root, {
          block: styles.block!,
          codeBlock: styles.codeBlock!,
          codeHeader: styles.codeHeader!,
          codeLang: styles.codeLang!,
          copyCode: styles.copyCode!,
        }),
      );
    }, (error: unknown) => {
      // Without the renderer the answer stays plain text, which is safe; say why once.
      console.warn("markdown renderer unavailable:", error);
    });
  });

  createEffect(() => {
    const text = props.source;
    const streaming = props.streaming;
    const v = view();
    if (v) v.update(text, streaming);
    else root.textContent = text;
  });

  onCleanup(() => {
    disposed = true;
    view()?.dispose();
  });

  return (
    <div
      ref={root}
      class={styles.markdown}
      classList={{ [styles.plain!]: !view(), [styles.streaming!]: props.streaming }}
      data-text
      data-markdown={view() ? "ready" : "loading"}
    />
  );
}
