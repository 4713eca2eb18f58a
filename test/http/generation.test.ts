import { describe, expect, test } from "bun:test";
import { ChatError, aborted, bufferFull, upstreamError } from "../../src/errors.ts";
import { Generation, STOPPED } from "../../src/http/generation.ts";
import { MemoryStreamStore } from "../../src/resume/memory-store.ts";
import type { Finish } from "../../src/upstream/stream-completion.ts";
import { AnswerFrames } from "../../src/wire/answer-frames.ts";
import type { Burst } from "../../src/wire/burst.ts";

// One answer in process, no server: a model call's bursts and finish → the log's exact bytes.

const limits = { maxEventsPerStream: 1000, maxBytesPerStream: 100_000, maxBytesTotal: 1_000_000, ttlMs: 1000 };
const finish: Finish = { finishReason: "stop", model: "m", id: "c1", usage: undefined, reasoningMs: undefined, refusal: false };

/**
 * A model call that writes `texts` into the frames (one read each), waits `gapMs` between, then ends as
 * `end` says; aborted, it throws as `streamCompletion` does.
 */
async function* modelCall(frames: AnswerFrames, texts: string[], end: Finish | Error, signal: AbortSignal, gapMs = 0): AsyncGenerator<Burst, Finish> {
  for (const t of texts) {
    if (gapMs) await Bun.sleep(gapMs);
    if (signal.aborted) throw aborted();
    frames.content(t);
    yield frames.take()!;
  }
  if (end instanceof Error) throw end;
  return end;
}

async function run(opts: { texts: string[]; end: Finish | Error; gapMs?: number; graceMs?: number; act?: (abort: AbortController, g: Generation) => void }) {
  const store = new MemoryStreamStore(limits);
  const writer = await store.create("a");
  const frames = new AnswerFrames();
  const abort = new AbortController();
  let ended = false;
  const g = new Generation({
    events: modelCall(frames, opts.texts, opts.end, abort.signal, opts.gapMs),
    frames,
    abort,
    writer,
    graceMs: opts.graceMs ?? 0,
    toChatError: (err) => (err instanceof ChatError ? err : upstreamError(String(err))),
    onEnd: () => void (ended = true),
  });
  g.attached();
  opts.act?.(abort, g);
  let text = "";
  for await (const part of (await store.read("a", 0, new AbortController().signal))!) text += part;
  return { text, ended, abort };
}

describe("one answer, written into its log", () => {
  test("content frames, then finish and [DONE], numbered by the same frames: one sequence of ids", async () => {
    const { text, ended } = await run({ texts: ["Hi", " there"], end: { ...finish, reasoningMs: 12, refusal: true } });
    expect(text).toBe(
      'id: 1\ndata: {"content":"Hi"}\n\n' +
        'id: 2\ndata: {"content":" there"}\n\n' +
        'event: finish\nid: 3\ndata: {"finish_reason":"stop","model":"m","reasoning_ms":12,"refusal":true}\n\n' +
        "id: 4\ndata: [DONE]\n\n",
    );
    expect(ended).toBe(true);
  });

  test("a failure after some text keeps the text and ends with one error event, no [DONE]", async () => {
    const { text } = await run({ texts: ["partial"], end: upstreamError("The upstream failed mid-answer. boom") });
    expect(text).toBe(
      'id: 1\ndata: {"content":"partial"}\n\n' +
        'event: error\nid: 2\ndata: {"message":"The upstream failed mid-answer. boom","type":"upstream_error","status":502}\n\n',
    );
  });

  test("Stop ends the answer as a finish with reason stopped, after what was written", async () => {
    const { text, abort } = await run({
      texts: ["a", "b", "c", "d"],
      end: finish,
      gapMs: 30,
      act: (abort) => setTimeout(() => abort.abort(STOPPED), 45),
    });
    expect(abort.signal.reason).toBe(STOPPED);
    expect(text).toMatch(/^id: 1\ndata: \{"content":"a"\}\n\n(id: 2\ndata: \{"content":"b"\}\n\n)?event: finish\nid: \d\ndata: \{"finish_reason":"stopped"\}\n\nid: \d\ndata: \[DONE\]\n\n$/);
  });

  test("with no reader and no grace, the upstream is aborted and the log says the answer was abandoned", async () => {
    const { text, abort } = await run({
      texts: ["a", "b", "c"],
      end: finish,
      gapMs: 30,
      act: (_abort, g) => setTimeout(() => g.detached(), 40),
    });
    expect(abort.signal.aborted).toBe(true);
    expect(text).toContain('"type":"abandoned"');
    expect(text).not.toContain("[DONE]");
  });

  test("a buffer limit met mid-answer stops the upstream and reports it after the frames that fit", async () => {
    const { text, abort } = await run({ texts: ["a", "b"], end: bufferFull("test limit") });
    expect(abort.signal.aborted).toBe(true);
    expect(text).toEndWith('"type":"resume_buffer_full","status":507}\n\n');
  });
});
