/**
 * What an image costs the relay: time to first content token and server memory for a chat with one
 * 5 MiB image (base64 in the JSON body, as the page sends it) against the same chat with text only.
 * The executable is built into a temp folder (or `--binary PATH`), the upstream is the test fake on
 * 127.0.0.1; requests are sequential, interleaved text/image, so both see the same machine.
 *
 *   bun bench/image-cost.ts [--rounds 20] [--mib 5] [--binary PATH]
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startChat } from "../test/support/chat-server.ts";
import { startFakeOpenAI } from "../test/support/fake-openai.ts";

const args = process.argv.slice(2);
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const rounds = Number(option("--rounds") ?? 20);
const mib = Number(option("--mib") ?? 5);

let binary = option("--binary");
if (!binary) {
  binary = join(mkdtempSync(join(tmpdir(), "image-cost-")), "chat");
  const build = Bun.spawn([process.execPath, "src/build.ts", binary], { cwd: join(import.meta.dir, ".."), stdout: "ignore", stderr: "inherit" });
  if ((await build.exited) !== 0) throw new Error("build failed");
}

const fake = startFakeOpenAI();
const chat = await startChat({ binary, env: { OPENAI_API_KEY: "sk-bench", OPENAI_BASE_URL: fake.baseURL, OPENAI_MODEL: "gpt-fake" } });
const rss = async () => {
  const status = await Bun.file(`/proc/${chat.proc.pid}/status`).text();
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
  return { rss: kb("VmRSS") / 1024, peak: kb("VmHWM") / 1024 };
};

// A PNG signature and then noise: the server checks the type's bytes and the size, not the pixels.
const image = new Uint8Array(mib * 1024 * 1024);
crypto.getRandomValues(image.subarray(0, 65536));
image.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const url = `data:image/png;base64,${Buffer.from(image).toString("base64")}`;
const bodies = {
  text: JSON.stringify({ messages: [{ role: "user", content: "describe it" }] }),
  image: JSON.stringify({ messages: [{ role: "user", content: [{ type: "text", text: "describe it" }, { type: "image_url", image_url: { url } }] }] }),
};

// The same conversations sent straight to the fake upstream: what the upstream itself takes to read the
// body and start (here, the fake's JSON parse), which the relay's figure includes and is not ours.
const direct = {
  text: JSON.stringify({ model: "gpt-fake", stream: true, messages: JSON.parse(bodies.text).messages }),
  image: JSON.stringify({ model: "gpt-fake", stream: true, messages: JSON.parse(bodies.image).messages }),
};

/** Milliseconds from sending the request to the first content event. */
async function ttft(body: string, to = `${chat.url}/api/chat`): Promise<number> {
  const start = performance.now();
  const res = await fetch(to, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let text = "";
  let first = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += dec.decode(value, { stream: true });
    // The relay's `data: {"content":"…"}`, or the upstream's `"delta":{"content":"…"}`: the first non-empty text.
    if (!first && /"content":"[^"]/.test(text)) first = performance.now() - start;
  }
  if (!text.includes("data: [DONE]")) throw new Error(`incomplete answer: ${text.slice(0, 300)}`);
  return first;
}

for (let i = 0; i < 3; i++) await ttft(bodies.text); // warm-up
const before = await rss();
const times: Record<keyof typeof bodies, number[]> = { text: [], image: [] };
const straight: Record<keyof typeof bodies, number[]> = { text: [], image: [] };
for (let r = 0; r < rounds; r++) {
  times.text.push(await ttft(bodies.text));
  times.image.push(await ttft(bodies.image));
  straight.text.push(await ttft(direct.text, `${fake.baseURL}/chat/completions`));
  straight.image.push(await ttft(direct.image, `${fake.baseURL}/chat/completions`));
}
Bun.gc(true);
await Bun.sleep(500);
const after = await rss();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
console.log(`| request | through the relay: TTFT p50 / p90 (ms) | straight to the upstream: p50 / p90 (ms) |`);
console.log(`|---|---:|---:|`);
for (const k of ["text", "image"] as const) {
  const name = k === "text" ? "text only" : `one ${mib} MiB image (${(bodies.image.length / 1048576).toFixed(1)} MiB body)`;
  console.log(`| ${name} | ${median(times[k]).toFixed(2)} / ${p90(times[k]).toFixed(2)} | ${median(straight[k]).toFixed(2)} / ${p90(straight[k]).toFixed(2)} |`);
}
const relayAdds = (k: keyof typeof bodies) => median(times[k]) - median(straight[k]);
console.log(`\nthe relay's own TTFT p50: ${relayAdds("text").toFixed(2)} ms text only, ${relayAdds("image").toFixed(2)} ms with the image; server RSS ${before.rss.toFixed(0)} MB before, peak ${after.peak.toFixed(0)} MB, ${after.rss.toFixed(0)} MB after ${rounds} image chats`);
await chat.stop();
await fake.stop();
