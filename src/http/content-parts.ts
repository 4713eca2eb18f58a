import type { Limits } from "../config.ts";
import { badRequest, tooLarge } from "../errors.ts";
import type { ContentPart, Role } from "../upstream/chat-message.ts";

/** What one request's messages have used so far of the per-request limits. */
export interface ContentTally {
  chars: number;
  images: number;
  imageBytes: number;
}

type ImageLimits = Pick<Limits, "maxChars" | "maxImages" | "maxImageBytes" | "allowImageUrls">;

/** The four image types a browser sends and every vision model reads, by their first bytes. */
const IMAGE_TYPES: Record<string, (b: Uint8Array) => boolean> = {
  "image/png": (b) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47,
  "image/jpeg": (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff,
  "image/gif": (b) => b[0] === 0x47 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x38,
  "image/webp": (b) => b[0] === 0x52 && b[1] === 0x49 && b[2] === 0x46 && b[3] === 0x46 && b[8] === 0x57 && b[9] === 0x45 && b[10] === 0x42 && b[11] === 0x50,
};
const DATA_URL = /^data:(image\/[a-z]+);base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DETAILS: ReadonlySet<string> = new Set(["auto", "low", "high"]);

/**
 * A message's content: the seed's string, or a list of `text` and `image_url` parts, each checked and
 * copied field by field (nothing else from the client reaches the upstream). Images only in user messages:
 * `data:` URLs of PNG, JPEG, WebP or GIF whose base64 decodes to that type, within the size and count
 * limits; `http(s):` URLs only when allowed (the upstream would fetch them). `at` names the message.
 */
export function validateContent(content: unknown, role: Role, at: string, limits: ImageLimits, tally: ContentTally): string | ContentPart[] {
  if (typeof content === "string") {
    countChars(content.length, limits, tally);
    return content;
  }
  if (!Array.isArray(content)) throw badRequest(`${at}.content must be a string or a list of content parts (got ${kind(content)}).`);
  if (content.length === 0) throw badRequest(`${at}.content is an empty list: send at least one part.`);
  const parts: ContentPart[] = new Array(content.length);
  for (let j = 0; j < content.length; j++) {
    const part: unknown = content[j];
    const where = `${at}.content[${j}]`;
    if (typeof part !== "object" || part === null || Array.isArray(part)) throw badRequest(`${where} must be an object with a "type".`);
    const { type, text, image_url } = part as { type?: unknown; text?: unknown; image_url?: unknown };
    if (type === "text") {
      if (typeof text !== "string") throw badRequest(`${where}.text must be a string.`);
      countChars(text.length, limits, tally);
      parts[j] = { type: "text", text };
    } else if (type === "image_url") {
      if (role !== "user") throw badRequest(`${where}: only user messages may carry images.`);
      parts[j] = { type: "image_url", image_url: validateImage(image_url, where, limits, tally) };
    } else {
      throw badRequest(`${where}.type must be "text" or "image_url" (got ${kind(type)}).`);
    }
  }
  return parts;
}

function validateImage(value: unknown, where: string, limits: ImageLimits, tally: ContentTally): { url: string; detail?: "auto" | "low" | "high" } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest(`${where}.image_url must be an object with a "url".`);
  const { url, detail } = value as { url?: unknown; detail?: unknown };
  if (typeof url !== "string") throw badRequest(`${where}.image_url.url must be a string.`);
  if (detail !== undefined && (typeof detail !== "string" || !DETAILS.has(detail))) {
    throw badRequest(`${where}.image_url.detail must be "auto", "low" or "high".`);
  }
  tally.images++;
  if (tally.images > limits.maxImages) {
    throw tooLarge(`Too many images: more than ${limits.maxImages} in one request (CHAT_MAX_IMAGES).`);
  }
  const image = detail === undefined ? { url } : { url, detail: detail as "auto" | "low" | "high" };
  if (/^https?:\/\//i.test(url)) {
    if (!limits.allowImageUrls) {
      throw badRequest(`${where}: image URLs are not accepted; send the image itself as a data: URL (CHAT_ALLOW_IMAGE_URLS=1 lets the upstream fetch URLs).`);
    }
    if (!URL.canParse(url)) throw badRequest(`${where}.image_url.url is not a valid URL.`);
    return image;
  }
  const header = DATA_URL.exec(url);
  const matches = header ? IMAGE_TYPES[header[1]!] : undefined;
  if (!header || !matches) throw badRequest(`${where}: an image must be a base64 data: URL of a PNG, JPEG, WebP or GIF image.`);
  const base64 = url.slice(header[0].length);
  // 4 characters of base64 carry 3 bytes; checked before decoding anything.
  const bytes = Math.floor((base64.length * 3) / 4) - (base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0);
  if (bytes > limits.maxImageBytes) {
    throw tooLarge(`${where}: the image is ${bytes} bytes; the limit is ${limits.maxImageBytes} (CHAT_MAX_IMAGE_BYTES). Scale it down.`);
  }
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) throw badRequest(`${where}: the image's base64 does not decode.`);
  // Only the first 16 bytes are decoded: enough to tell the type, without copying the image.
  if (!matches(Buffer.from(base64.slice(0, 16), "base64"))) {
    throw badRequest(`${where}: the image is not the ${header[1]} its data: URL says it is.`);
  }
  tally.imageBytes += bytes;
  return image;
}

function countChars(n: number, limits: ImageLimits, tally: ContentTally): void {
  tally.chars += n;
  if (tally.chars > limits.maxChars) {
    throw tooLarge(`The conversation is longer than ${limits.maxChars} characters. Start a new chat or shorten it.`);
  }
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return JSON.stringify(value.length > 20 ? `${value.slice(0, 20)}…` : value);
  return typeof value;
}
