import { expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import solid from "../../client/solid-plugin.ts";

const root = join(import.meta.dir, "..", "..");

test("the markdown renderer and the highlighter load as their own chunks, outside the initial bundle", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "chat-bundle-"));
  try {
    const result = await Bun.build({
      entrypoints: [join(root, "client/index.html")],
      outdir,
      splitting: true,
      minify: true,
      plugins: [solid],
      define: { "process.env.NODE_ENV": JSON.stringify("production") },
    });
    expect(result.success).toBe(true);
    const chunks = await Promise.all(
      result.outputs
        .filter((o) => /\.(js|css)$/.test(o.path))
        .map(async (o) => {
          const text = await o.text();
          return { name: basename(o.path), kind: o.kind, text, bytes: text.length, gzip: Bun.gzipSync(text).length };
        }),
    );
    const report = chunks.map((c) => `${c.name.padEnd(24)} ${c.kind.padEnd(12)} ${(c.bytes / 1024).toFixed(1).padStart(6)} KB  ${(c.gzip / 1024).toFixed(1).padStart(5)} KB gz`);
    console.log(`client bundle (splitting on):\n${report.join("\n")}`);

    const initial = chunks.filter((c) => c.kind === "entry-point");
    const lazy = chunks.filter((c) => c.kind === "chunk");
    const has = (text: string, marker: string) => text.includes(marker);
    // Strings that survive minification: DOMPurify's hook names, marked's error text, hljs's.
    const renderer = lazy.find((c) => has(c.text, "uponSanitizeElement") && has(c.text, "marked"));
    const highlighter = lazy.find((c) => has(c.text, "registerLanguage") || has(c.text, "hljs-"));
    expect(renderer).toBeDefined();
    expect(highlighter).toBeDefined();
    expect(renderer).not.toBe(highlighter);
    for (const c of initial) {
      expect(has(c.text, "uponSanitizeElement")).toBe(false);
      expect(has(c.text, "registerLanguage")).toBe(false);
    }
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
