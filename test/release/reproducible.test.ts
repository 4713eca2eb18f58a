/**
 * Two release builds of the same commit. Bun 1.4.5 writes the page's files into the executable in the
 * order its bundler threads finish them, so the bytes can differ between builds (README, "Download").
 * What must not differ: the size, and the set of embedded files with their content hashes (etags).
 */
import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { release } from "../../src/release.ts";
import { releaseBuild, releaseFile } from "../support/release-build.ts";

/** The embedded files' manifest entries ({input, path, loader, headers: {etag, …}}), sorted. */
function embeddedFiles(file: string): string[] {
  const text = readFileSync(file).toString("latin1");
  return [...text.matchAll(/\{\\"input\\":\\"[^}]*\}\}/g)].map((m) => m[0]).sort();
}

test("a second linux-x64 build of the same tree: identical, or differing only in the order of the page's files", async () => {
  await releaseBuild();
  const first = await releaseFile("linux-x64");
  const dir = mkdtempSync(join(tmpdir(), "chat-release-again-"));
  try {
    const sums = await release({ out: dir, targets: ["linux-x64"] });
    const again = join(dir, "chat-linux-x64");
    const firstSums = (await releaseBuild()).sums;
    if (sums["chat-linux-x64"] === firstSums["chat-linux-x64"]) return; // byte for byte: reproducible
    expect(Bun.file(again).size).toBe(Bun.file(first).size);
    const files = embeddedFiles(first);
    expect(files.length).toBeGreaterThan(10);
    expect(embeddedFiles(again)).toEqual(files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);
