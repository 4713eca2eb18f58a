import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import solid from "../../client/solid-plugin.ts";

const root = join(import.meta.dir, "..", "..");
/** The budget for the JS that loads before the first paint, gzipped. */
const INITIAL_JS_BUDGET_KB = 30;

interface Chunk {
  name: string;
  kind: string;
  text: string;
  gzip: number;
}

let outdir: string;
let chunks: Chunk[];

/** The entry's chunk and every chunk it imports statically, transitively: what runs before first paint. */
function initialChunks(all: Chunk[]): Chunk[] {
  const byName = new Map(all.map((c) => [c.name, c]));
  const seen = new Set<Chunk>();
  const visit = (c: Chunk) => {
    if (seen.has(c)) return;
    seen.add(c);
    // Static imports only (`import … from "./x.js"`, `import "./x.js"`); `import("./x.js")` is on demand.
    for (const m of c.text.matchAll(/(?:\bfrom|\bimport)\s*["']\.\/([^"']+\.js)["']/g)) {
      const dep = byName.get(m[1]!);
      if (dep) visit(dep);
    }
  };
  for (const c of all.filter((c) => c.kind === "entry-point" && c.name.endsWith(".js"))) visit(c);
  return [...seen];
}

describe("the client bundle (production build, splitting on)", () => {
  beforeAll(async () => {
    outdir = mkdtempSync(join(tmpdir(), "chat-bundle-"));
    const result = await Bun.build({
      entrypoints: [join(root, "client/index.html")],
      outdir,
      splitting: true,
      minify: true,
      plugins: [solid],
      define: { "process.env.NODE_ENV": JSON.stringify("production") },
    });
    if (!result.success) throw new AggregateError(result.logs, "client build failed");
    chunks = await Promise.all(
      result.outputs
        .filter((o) => /\.(js|css)$/.test(o.path))
        .map(async (o) => {
          const text = await o.text();
          return { name: basename(o.path), kind: o.kind, text, gzip: Bun.gzipSync(text).length };
        }),
    );
    const initial = new Set(initialChunks(chunks));
    const report = chunks.map(
      (c) =>
        `${c.name.padEnd(24)} ${(initial.has(c) ? "initial" : c.kind === "asset" ? "css" : "on demand").padEnd(10)} ${(c.text.length / 1024).toFixed(1).padStart(6)} KB  ${(c.gzip / 1024).toFixed(1).padStart(5)} KB gz`,
    );
    console.log(`client bundle:\n${report.join("\n")}`);
  }, 60_000);

  afterAll(() => {
    if (outdir) rmSync(outdir, { recursive: true, force: true });
  });

  test(`the JS that loads before the first paint stays under ${INITIAL_JS_BUDGET_KB} KB gzipped`, () => {
    const initial = initialChunks(chunks);
    expect(initial.length).toBeGreaterThan(0);
    const kb = initial.reduce((n, c) => n + c.gzip, 0) / 1024;
    expect(kb).toBeLessThan(INITIAL_JS_BUDGET_KB);
  });

  test("the markdown renderer and the highlighter load as their own chunks, outside the initial bundle", () => {
    const initial = initialChunks(chunks);
    const lazy = chunks.filter((c) => c.name.endsWith(".js") && !initial.includes(c));
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
  });

  test("KaTeX loads as its own chunk, apart from the renderer, and never before the first paint", () => {
    const initial = initialChunks(chunks);
    const lazy = chunks.filter((c) => c.name.endsWith(".js") && !initial.includes(c));
    // KaTeX's error text, and its stylesheet (imported as text into the same chunk).
    const katex = lazy.filter((c) => c.text.includes("KaTeX parse error"));
    expect(katex.length).toBe(1);
    expect(katex[0]!.text).toContain("@font-face");
    expect(katex[0]!.text).not.toContain("uponSanitizeElement");
    for (const c of [...initial, ...lazy.filter((c) => c !== katex[0])]) expect(c.text).not.toContain("KaTeX parse error");
  });

  test("the settings, the access-token prompt and export/import load on demand", () => {
    const initial = initialChunks(chunks).map((c) => c.text).join("\n");
    // Text each one shows, which minification keeps.
    expect(initial).not.toContain("Max tokens per answer");
    expect(initial).not.toContain("This chat needs an access token");
    expect(initial).not.toContain("bun-chat.conversation");
  });
});
