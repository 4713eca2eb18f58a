import { createEffect, createSignal, onCleanup, onMount } from "solid-js";
import styles from "./Markdown.module.css";
import type { MarkdownView } from "./view.ts";

let renderer: Promise<typeof import("./view.ts")> | undefined;
const loadRenderer = () => (renderer ??= import("./view.ts"));

// Fetched (and warmed up) once the page is idle after its first paint, so the first answer renders as
// markdown from its first token: a renderer still loading when a fast answer arrives would fall behind it.
if (typeof requestIdleCallback === "function") {
  requestIdleCallback(() => void loadRenderer().then((m) => m.warmUp(), () => {}), { timeout: 5000 });
}

/** Plain text is appended in pieces of about this size, so each frame lays out only the newest piece. */
const PLAIN_PIECE = 2048;

/**
 * A markdown answer. The renderer (marked, DOMPurify, remend) is a separate chunk, fetched when the page is
 * idle or when the first answer appears; until it arrives the text shows as plain text.
 */
export default function Markdown(props: { source: string; streaming: boolean }) {
  let root!: HTMLDivElement;
  const [view, setView] = createSignal<MarkdownView>();
  let disposed = false;

  onMount(() => {
    void loadRenderer().then(({ mountMarkdown }) => {
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

  // The plain text is written at most once a frame, and only what is new: a fast stream delivers thousands
  // of tokens in one task, and rewriting the whole text for each is quadratic.
  let plain = "";
  let shown = "";
  let frame: number | undefined;
  const writePlain = () => {
    if (frame !== undefined) cancelAnimationFrame(frame);
    frame = undefined;
    if (view()) return;
    if (!plain.startsWith(shown)) {
      root.textContent = "";
      shown = "";
    }
    let last = root.lastElementChild as HTMLElement | null;
    for (let at = shown.length; at < plain.length; ) {
      // A new piece starts after a line end once the last one is full (a piece per line would be many).
      if (!last || (last.textContent!.length >= PLAIN_PIECE && shown.endsWith("\n"))) {
        last = document.createElement("div");
        root.append(last);
      }
      const lineEnd = plain.indexOf("\n", at + Math.max(0, PLAIN_PIECE - last.textContent!.length));
      const end = lineEnd < 0 ? plain.length : lineEnd + 1;
      last.append(plain.slice(at, end));
      shown = plain.slice(0, end);
      at = end;
    }
  };

  createEffect(() => {
    const text = props.source;
    const streaming = props.streaming;
    const v = view();
    if (v) {
      if (frame !== undefined) cancelAnimationFrame(frame);
      frame = undefined;
      v.update(text, streaming);
      return;
    }
    plain = text;
    if (!streaming) writePlain();
    else frame ??= requestAnimationFrame(writePlain);
  });

  onCleanup(() => {
    disposed = true;
    if (frame !== undefined) cancelAnimationFrame(frame);
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
