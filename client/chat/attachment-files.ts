import type { Attachment } from "./attachments.ts";

/** The longest side an image is scaled down to before it is sent, unless the settings say otherwise. */
export const DEFAULT_IMAGE_MAX_SIDE = 2048;
/** A smaller setting is taken as a mistake (the default applies): nothing is legible that small. */
export const MIN_IMAGE_SIDE = 64;
/** Larger files are refused before they are read: decoding them could take the tab's memory. */
const MAX_IMAGE_FILE_BYTES = 50 * 1024 * 1024;
const MAX_TEXT_FILE_BYTES = 2 * 1024 * 1024;
/** A GIF that fits is kept as it is (its frames too) up to this size; larger, its first frame as a PNG. */
const MAX_GIF_BYTES = 2 * 1024 * 1024;

/** Whether a pasted text is long enough to attach as a file (as llama.cpp does) rather than fill the box. */
export const pastesAsFile = (text: string): boolean => text.length > 2500;

/** A file the composer would not take, and why, in words for the person who attached it. */
export class RefusedFile extends Error {}

/** `bytes` as text when they are UTF-8 without NUL bytes (what a text file is); undefined for binary. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** `width`×`height` scaled so its longest side is at most `max` (never up), in whole pixels, at least 1. */
export function scaledSize(width: number, height: number, max: number): { width: number; height: number } {
  const scale = Math.min(1, max / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** The type the bytes say they are, whatever the file name claims. */
export function sniff(bytes: Uint8Array): "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "application/pdf" | undefined {
  const ascii = (at: number, s: string) => [...s].every((c, i) => bytes[at + i] === c.charCodeAt(0));
  if (bytes[0] === 0x89 && ascii(1, "PNG")) return "image/png";
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (ascii(0, "GIF8")) return "image/gif";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if (ascii(0, "%PDF-")) return "application/pdf";
  return undefined;
}

/**
 * `file` as an attachment: an image scaled to `maxSide` and re-encoded (PNG stays PNG, the rest JPEG at
 * 0.9, which also drops a photo's metadata such as its location), or a text file's text. Throws
 * RefusedFile for a PDF, a binary file, or one too large.
 */
export async function readAttachment(file: File, maxSide = DEFAULT_IMAGE_MAX_SIDE): Promise<Attachment> {
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  const type = sniff(head) ?? (file.type === "application/pdf" || /\.pdf$/i.test(file.name) ? "application/pdf" : undefined);
  if (type === "application/pdf") throw new RefusedFile(`${file.name}: PDF text extraction is not supported yet; paste the text instead.`);
  const id = crypto.getRandomValues(new Uint32Array(2)).join("-");
  if (type || (file.type.startsWith("image/") && file.type !== "image/svg+xml")) {
    if (file.size > MAX_IMAGE_FILE_BYTES) throw new RefusedFile(`${file.name} is too large (${size(file.size)}; images up to ${size(MAX_IMAGE_FILE_BYTES)}).`);
    const { data, mime } = await scaleImage(file, type, maxSide);
    return { id, name: file.name, kind: "image", mime, data };
  }
  if (file.size > MAX_TEXT_FILE_BYTES) throw new RefusedFile(`${file.name} is too large (${size(file.size)}; text files up to ${size(MAX_TEXT_FILE_BYTES)}).`);
  const text = decodeText(new Uint8Array(await file.arrayBuffer()));
  if (text === undefined) throw new RefusedFile(`${file.name} is not an image or a text file, so it cannot be sent.`);
  return { id, name: file.name, kind: "text", mime: file.type.startsWith("text/") ? file.type : "text/plain", data: text };
}

/** Each of `files` read, in order, and why each refused one was not taken. */
export async function readAll(files: readonly File[], maxSide?: number): Promise<{ attached: Attachment[]; refused: string[] }> {
  if (!Number.isInteger(maxSide) || maxSide! < MIN_IMAGE_SIDE) maxSide = DEFAULT_IMAGE_MAX_SIDE;
  const attached: Attachment[] = [];
  const refused: string[] = [];
  for (const file of files) {
    try {
      attached.push(await readAttachment(file, maxSide));
    } catch (err) {
      refused.push(err instanceof RefusedFile ? err.message : `${file.name} could not be read.`);
    }
  }
  return { attached, refused };
}

async function scaleImage(file: File, type: string | undefined, maxSide: number): Promise<{ data: string; mime: string }> {
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new RefusedFile(`${file.name} could not be read as an image.`);
  }
  const { width, height } = scaledSize(bitmap.width, bitmap.height, maxSide);
  const fits = width === bitmap.width && height === bitmap.height;
  if (type === "image/gif" && fits && file.size <= MAX_GIF_BYTES) {
    bitmap.close();
    return { data: await dataURL(file.slice(0, file.size, type)), mime: type };
  }
  // A GIF too large to keep is sent as its first frame, which is all most vision models look at anyway.
  const mime = type === "image/png" || type === "image/gif" ? "image/png" : "image/jpeg";
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext("2d")!;
  if (mime === "image/jpeg") {
    // JPEG has no transparency: a transparent WebP would otherwise turn black.
    g.fillStyle = "#fff";
    g.fillRect(0, 0, width, height);
  }
  g.imageSmoothingQuality = "high";
  g.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await canvas.convertToBlob({ type: mime, quality: 0.9 });
  return { data: await dataURL(blob), mime };
}

function dataURL(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as string);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(blob);
  });
}

/** Bytes for people: "840 B", "12.3 KB", "4.1 MB". */
export function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
