import type { Subprocess } from "bun";

/** A child's stdout and stderr collected as text, and a wait for the line that says it is ready. */
export function captureOutput(name: string, proc: Subprocess<"ignore", "pipe", "pipe">) {
  let out = "";
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of s) out += dec.decode(c, { stream: true });
  };
  void pump(proc.stdout);
  void pump(proc.stderr);
  return {
    text: () => out,
    /** Resolves with the first match of `pattern`; fails if the process exits or 15 s pass first. */
    async waitFor(pattern: RegExp, ms = 15_000): Promise<RegExpExecArray> {
      const deadline = performance.now() + ms;
      for (;;) {
        const m = pattern.exec(out);
        if (m) return m;
        if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}:\n${out}`);
        if (performance.now() > deadline) throw new Error(`${name} did not start in ${ms / 1000} s:\n${out}`);
        await Bun.sleep(10);
      }
    },
  };
}
