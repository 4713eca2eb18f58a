import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileName, release } from "../../src/release.ts";

let built: Promise<{ dir: string; sums: Record<string, string> }> | undefined;

/** The targets the release tests check, built once per `bun test` run (~20 s warm, ~45 s with downloads). */
export const CHECKED = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "windows-x64"] as const;

export function releaseBuild() {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-release-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const sums = await release({ out: dir, targets: CHECKED });
    return { dir, sums };
  })();
  return built;
}

export const releaseFile = async (target: string) => join((await releaseBuild()).dir, fileName(target));
