/**
 * Builds dist/chat: one executable with the server and the bundled Solid client inside.
 * A script, not `bun build --compile`, because the CLI ignores bunfig's bundler plugins (oven-sh/bun #11895).
 * `bun run release` (src/release.ts) calls `buildExecutable` once per target.
 */
import solid from "../client/solid-plugin.ts";
import pkg from "../package.json";

/** The commit being built: `git rev-parse`, with "-dirty" when tracked files differ from it. */
export function gitCommit(cwd = `${import.meta.dir}/..`): string {
  const rev = Bun.spawnSync(["git", "rev-parse", "--short=12", "HEAD"], { cwd, stdout: "pipe", stderr: "ignore" });
  if (rev.exitCode !== 0) return "unknown";
  const dirty = Bun.spawnSync(["git", "status", "--porcelain", "--untracked-files=no"], { cwd, stdout: "pipe", stderr: "ignore" });
  return rev.stdout.toString().trim() + (dirty.stdout.toString().trim() ? "-dirty" : "");
}

/** The host's own target, in Bun's names (what `bun run build` makes). */
export function hostTarget(): string {
  return `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
}

export async function buildExecutable(opts: { outfile: string; target?: string; commit?: string }): Promise<void> {
  const target = opts.target ?? hostTarget();
  const result = await Bun.build({
    entrypoints: ["src/main.ts"],
    compile: { outfile: opts.outfile, target: `bun-${target}` as Bun.Build.CompileTarget },
    minify: true,
    // Precompiled bytecode: the executable starts ~30 ms sooner (bench/README.md), for 4 MiB more.
    bytecode: true,
    format: "esm",
    // The markdown renderer and highlighter are dynamic imports: separate chunks, loaded on demand.
    splitting: true,
    sourcemap: "none",
    plugins: [solid],
    define: {
      "process.env.NODE_ENV": JSON.stringify("production"),
      // `chat --version` prints these (src/version.ts).
      CHAT_BUILD_COMMIT: JSON.stringify(opts.commit ?? gitCommit()),
      CHAT_BUILD_TARGET: JSON.stringify(target),
    },
  });
  if (!result.success) {
    throw new AggregateError(result.logs, `build of ${target} failed:\n${result.logs.map(String).join("\n")}`);
  }
}

if (import.meta.main) {
  const outfile = process.argv[2] ?? "dist/chat";
  try {
    await buildExecutable({ outfile });
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
  const size = Bun.file(outfile).size;
  console.log(`built ${outfile} (${(size / 1024 / 1024).toFixed(1)} MiB), chat ${pkg.version}`);
}
