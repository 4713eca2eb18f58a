/**
 * Builds dist/chat: one executable with the server and the bundled Solid client inside.
 * A script, not `bun build --compile`, because the CLI ignores bunfig's bundler plugins (oven-sh/bun #11895).
 */
import solid from "../client/solid-plugin.ts";

const outfile = process.argv[2] ?? "dist/chat";
const result = await Bun.build({
  entrypoints: ["src/main.ts"],
  compile: { outfile },
  minify: true,
  // Precompiled bytecode: the executable starts ~30 ms sooner (bench/README.md), for 4 MiB more.
  bytecode: true,
  format: "esm",
  // The markdown renderer and highlighter are dynamic imports: separate chunks, loaded on demand.
  splitting: true,
  sourcemap: "none",
  plugins: [solid],
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
});
if (!result.success) {
  for (const log of result.logs) console.error(log);
  process.exit(1);
}
const size = Bun.file(outfile).size;
console.log(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB)`);
