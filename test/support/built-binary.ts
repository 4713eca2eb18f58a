import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
let built: Promise<string> | undefined;

/**
 * `dist/chat` for this machine, built once per `bun test` run (all test files share the process) into
 * an empty temp folder, removed when the runner exits. ~3 s.
 */
export function hostBinary(): Promise<string> {
  built ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), "chat-host-"));
    process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
    const out = join(dir, "chat");
    const build = Bun.spawn([process.execPath, "src/build.ts", out], { cwd: root, stdout: "pipe", stderr: "pipe" });
    if ((await build.exited) !== 0) throw new Error(`build failed: ${await new Response(build.stderr).text()}`);
    return out;
  })();
  return built;
}
