import { Show, createSignal } from "solid-js";
import type { Conversation } from "../chat/conversations.ts";
import { ImportError, exportJSON, exportMarkdown, exportName, parseImport } from "../chat/transfer.ts";
import styles from "./TransferPanel.module.css";

/**
 * Export the conversation on screen (JSON or Markdown) and import a JSON export as a new one. Loaded just
 * after the first paint, by ./Transfer.tsx.
 */
export default function TransferPanel(props: {
  current: Conversation | undefined;
  onImport: (imported: ReturnType<typeof parseImport>) => void;
}) {
  const [problem, setProblem] = createSignal<string>();
  let picker: HTMLInputElement | undefined;

  const save = (kind: "json" | "md") => {
    const c = props.current;
    if (!c) return;
    setProblem(undefined);
    const text = kind === "json" ? exportJSON(c) : exportMarkdown(c);
    download(exportName(c, kind), text, kind === "json" ? "application/json" : "text/markdown");
  };

  const read = async (file: File | undefined) => {
    if (!file) return;
    setProblem(undefined);
    try {
      props.onImport(parseImport(await file.text()));
    } catch (err) {
      setProblem(err instanceof ImportError ? err.message : "The file could not be read.");
    }
  };

  const empty = () => !props.current || props.current.messages.length === 0;
  return (
    <div class={styles.transfer}>
      <div class={styles.row}>
        <button type="button" class={styles.button} disabled={empty()} onClick={() => save("json")}>
          Export JSON
        </button>
        <button type="button" class={styles.button} disabled={empty()} onClick={() => save("md")}>
          Export Markdown
        </button>
        <button type="button" class={styles.button} onClick={() => picker?.click()}>
          Import…
        </button>
      </div>
      <input
        ref={picker}
        class={styles.picker}
        type="file"
        accept="application/json,.json"
        aria-label="Import a conversation (JSON)"
        tabindex="-1"
        onChange={(e) => {
          const input = e.currentTarget;
          void read(input.files?.[0]).finally(() => (input.value = ""));
        }}
      />
      <Show when={problem()}>
        <p class={styles.problem} role="alert">
          {problem()}
        </p>
      </Show>
    </div>
  );
}

/**
 * Saves text as a file. A blob: URL followed by an `<a download>` is a navigation, which the page's CSP
 * (blob: only in img-src) leaves alone; fetching it would not be.
 */
function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
