import { describe, expect, test } from "bun:test";
import { decodeText, pastesAsFile, readAll, scaledSize, sniff } from "../../client/chat/attachment-files.ts";

const bytes = (...b: number[]) => new Uint8Array(b);
const utf8 = (s: string) => new TextEncoder().encode(s);

describe("which files are text", () => {
  test("UTF-8 text, with accents, emoji and a BOM, decodes", () => {
    expect(decodeText(utf8("const café = '☕';\n"))).toBe("const café = '☕';\n");
    expect(decodeText(bytes(0xef, 0xbb, 0xbf, 0x68, 0x69))).toBe("hi");
    expect(decodeText(new Uint8Array())).toBe("");
  });

  test("bytes that are not UTF-8, and text with NUL bytes (UTF-16, binaries), are binary", () => {
    expect(decodeText(bytes(0xff, 0xfe, 0x68, 0x00))).toBeUndefined();
    expect(decodeText(bytes(0xc3, 0x28))).toBeUndefined();
    expect(decodeText(utf8("ELF\0\0\0"))).toBeUndefined();
  });

  test("the bytes decide an image or a PDF, not the name", () => {
    expect(sniff(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe("image/png");
    expect(sniff(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe("image/jpeg");
    expect(sniff(utf8("GIF89a"))).toBe("image/gif");
    expect(sniff(utf8("RIFF\0\0\0\0WEBPVP8 "))).toBe("image/webp");
    expect(sniff(utf8("%PDF-1.7"))).toBe("application/pdf");
    expect(sniff(utf8("hello"))).toBeUndefined();
  });
});

describe("pasted text", () => {
  test("over 2,500 characters becomes a file; up to it stays in the box", () => {
    expect(pastesAsFile("x".repeat(2500))).toBe(false);
    expect(pastesAsFile("x".repeat(2501))).toBe(true);
    expect(pastesAsFile("")).toBe(false);
  });
});

describe("image scaling", () => {
  test("the longest side comes down to the limit and the aspect ratio stays", () => {
    expect(scaledSize(4000, 3000, 2048)).toEqual({ width: 2048, height: 1536 });
    expect(scaledSize(3000, 4000, 2048)).toEqual({ width: 1536, height: 2048 });
    expect(scaledSize(4096, 4096, 1024)).toEqual({ width: 1024, height: 1024 });
  });

  test("an image that fits is never scaled up, and a sliver keeps at least a pixel", () => {
    expect(scaledSize(800, 600, 2048)).toEqual({ width: 800, height: 600 });
    expect(scaledSize(2048, 10, 2048)).toEqual({ width: 2048, height: 10 });
    expect(scaledSize(10000, 1, 2048)).toEqual({ width: 2048, height: 1 });
  });
});

describe("reading files", () => {
  test("a text file becomes a text attachment; a binary file and a PDF are refused, saying why", async () => {
    const { attached, refused } = await readAll([
      new File(["export const a = 1;\n"], "a.ts", { type: "video/mp2t" }),
      new File([bytes(0x00, 0x01, 0xff, 0xfe)], "data.bin"),
      new File(["%PDF-1.7\n…"], "paper.pdf", { type: "application/pdf" }),
    ]);
    expect(attached.map(({ name, kind, data }) => ({ name, kind, data }))).toEqual([{ name: "a.ts", kind: "text", data: "export const a = 1;\n" }]);
    expect(refused).toEqual([
      "data.bin is not an image or a text file, so it cannot be sent.",
      "paper.pdf: PDF text extraction is not supported yet; paste the text instead.",
    ]);
  });
});
