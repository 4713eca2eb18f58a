import { Show, createEffect, createSignal, on, onCleanup, onMount } from "solid-js";
import { pastesAsFile, readAll } from "../chat/attachment-files.ts";
import type { Attachment } from "../chat/attachments.ts";
import AttachmentList from "./AttachmentList.tsx";
import styles from "./Composer.module.css";

/** What the composer asks of its files. */
export interface FilesHandle {
  /** Opens the file picker. */
  pick(): void;
  /** The files attached, handed over for sending (the tray empties). */
  take(): Attachment[];
}

/**
 * The composer's files: the hidden file input, a drop anywhere on the page, a paste into the box (a file,
 * or a text over 2,500 characters as `pasted-N.txt`), and the tray of thumbnails and chips above the box
 * with a × on each. Its own chunk, mounted right after the first paint, so the page's first JS stays small.
 */
export default function ComposerFiles(props: {
  handle: (handle: FilesHandle) => void;
  box: () => HTMLTextAreaElement;
  /** The composer's own props: whether it is disabled, the images' longest side, files not kept. */
  composer: { disabled: boolean; imageMaxSide?: number | undefined; dropped?: readonly string[] | undefined };
  /** Whether there is something to send, and whether files are still being read. */
  onState: (state: { files: number; reading: boolean }) => void;
}) {
  let picker!: HTMLInputElement;
  const [files, setFiles] = createSignal<Attachment[]>([]);
  const [notes, setNotes] = createSignal<string[]>([]);
  const [reading, setReading] = createSignal(0);
  let pasted = 0;
  createEffect(() => props.onState({ files: files().length, reading: reading() > 0 }));
  createEffect(
    on(
      () => props.composer.dropped,
      (names) =>
        names?.length &&
        setNotes([`${names.join(", ")} ${names.length > 1 ? "were" : "was"} too large to keep in this browser's storage; the message was kept without ${names.length > 1 ? "them" : "it"}.`]),
    ),
  );

  const attach = async (list: File[]) => {
    if (list.length === 0 || props.composer.disabled) return;
    setReading((n) => n + 1);
    try {
      const { attached, refused } = await readAll(list, props.composer.imageMaxSide);
      setFiles((f) => [...f, ...attached]);
      setNotes(refused);
    } finally {
      setReading((n) => n - 1);
    }
  };

  // Anywhere on the page: a file dropped outside the composer would otherwise replace the page with itself.
  const onDragOver = (e: DragEvent) => e.dataTransfer?.types.includes("Files") && e.preventDefault();
  const onDrop = (e: DragEvent) => {
    if (!e.dataTransfer?.types.includes("Files")) return;
    e.preventDefault();
    void attach([...e.dataTransfer.files]);
  };
  const onPaste = (e: ClipboardEvent) => {
    const data = e.clipboardData;
    const pastedFiles = [...(data?.files ?? [])];
    const text = data?.getData("text/plain") ?? "";
    if (pastedFiles.length === 0 && !pastesAsFile(text)) return;
    e.preventDefault();
    void attach(pastedFiles.length > 0 ? pastedFiles : [new File([text], `pasted-${++pasted}.txt`, { type: "text/plain" })]);
  };
  // Once mounted: the box is rendered after this component.
  onMount(() => {
    const box = props.box();
    document.addEventListener("dragover", onDragOver);
    document.addEventListener("drop", onDrop);
    box.addEventListener("paste", onPaste);
    onCleanup(() => {
      document.removeEventListener("dragover", onDragOver);
      document.removeEventListener("drop", onDrop);
      box.removeEventListener("paste", onPaste);
    });
  });

  props.handle({
    pick: () => picker.click(),
    take: () => {
      const taken = files();
      setFiles([]);
      setNotes([]);
      return taken;
    },
  });

  return (
    <>
      <input
        ref={picker}
        type="file"
        multiple
        hidden
        onChange={(e) => {
          void attach([...(e.currentTarget.files ?? [])]);
          e.currentTarget.value = ""; // the same file may be chosen again
        }}
      />
      <Show when={files().length > 0 || notes().length > 0}>
        <div class={styles.tray}>
          <AttachmentList
            items={files()}
            onRemove={(id) => setFiles((f) => f.filter((a) => a.id !== id))}
            notes={notes()}
            onDismiss={() => setNotes([])}
          />
        </div>
      </Show>
    </>
  );
}
