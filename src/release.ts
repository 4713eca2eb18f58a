/**
 * `bun run release`: dist/release/ with one executable per platform, each with the client inside, and
 * SHA256SUMS. Bun cross-compiles from one machine; each target's runtime comes from the npm registry on
 * first use (cached after). `--targets linux-x64,linux-arm64` builds only some; `--out DIR` elsewhere.
 *
 * linux-x64-baseline is for x64 CPUs without AVX2 (before Intel Haswell / AMD Excavator, 2013–15; Atom,
 * Celeron and Pentium chips of NAS boxes and mini PCs until ~2020; VMs whose CPU model hides AVX2, such as
 * QEMU's default): the plain x64 build stops there with "Illegal instruction". Macs able to run macOS 13
 * (Bun's minimum) all have AVX2, so darwin has no baseline build.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import pkg from "../package.json";
import { buildExecutable, gitCommit } from "./build.ts";

export const TARGETS = ["linux-x64", "linux-x64-baseline", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"] as const;
export type Target = (typeof TARGETS)[number];

export const fileName = (target: string) => `chat-${target}${target.startsWith("windows") ? ".exe" : ""}`;

export const sha256 = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

/** Builds the targets (one after another: each uses both cores) into `out`, then writes SHA256SUMS. */
export async function release(opts: { out: string; targets?: readonly string[]; log?: (line: string) => void }): Promise<Record<string, string>> {
  const targets = opts.targets ?? TARGETS;
  const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
  if (unknown.length) throw new Error(`unknown target ${unknown.join(", ")}; known: ${TARGETS.join(", ")}`);
  rmSync(opts.out, { recursive: true, force: true });
  mkdirSync(opts.out, { recursive: true });
  const commit = gitCommit();
  const sums: Record<string, string> = {};
  for (const target of targets) {
    const t0 = performance.now();
    const file = fileName(target);
    await buildExecutable({ outfile: join(opts.out, file), target, commit });
    sums[file] = sha256(join(opts.out, file));
    const mib = Bun.file(join(opts.out, file)).size / 1024 / 1024;
    opts.log?.(`${file.padEnd(28)} ${mib.toFixed(1).padStart(6)} MiB  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  // The format `sha256sum -c` reads: "<hex>  <name>" (two spaces: binary mode is the same on Linux).
  writeFileSync(join(opts.out, "SHA256SUMS"), Object.entries(sums).map(([f, h]) => `${h}  ${f}\n`).join(""));
  return sums;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const option = (name: string) => {
    const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
    if (i < 0) return undefined;
    return args[i]!.includes("=") ? args[i]!.slice(name.length + 1) : args[i + 1];
  };
  const out = option("--out") ?? "dist/release";
  const targets = option("--targets")?.split(",").filter(Boolean);
  const t0 = performance.now();
  console.log(`chat ${pkg.version}, commit ${gitCommit()}, into ${out}/`);
  try {
    await release({ out, targets, log: (l) => console.log(l) });
  } catch (err) {
    console.error(`release: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
  console.log(`SHA256SUMS written; ${((performance.now() - t0) / 1000).toFixed(1)} s in all`);
}
