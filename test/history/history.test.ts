import { describe, expect, test } from "bun:test";
import { History } from "../../src/history/history.ts";
import { SqliteHistoryStore } from "../../src/history/sqlite-store.ts";
import type { AnswerStart, AnswerUpdate, HistoryStore } from "../../src/history/store.ts";
import type { StreamWriter } from "../../src/resume/store.ts";
import { AnswerFrames } from "../../src/wire/answer-frames.ts";

/** A SQLite store in memory whose saveAnswers calls are recorded, and fail while `failing` is set. */
function recordedStore() {
  const inner = new SqliteHistoryStore({ path: ":memory:" });
  const calls: { updates: AnswerUpdate[]; starts: AnswerStart[] }[] = [];
  const o = { failing: false, calls, inner };
  const store: HistoryStore = Object.assign(Object.create(inner) as HistoryStore, {
    saveAnswers: async (updates: readonly AnswerUpdate[], starts: readonly AnswerStart[] = []) => {
      calls.push({ updates: updates.map((u) => ({ ...u })), starts: [...starts] });
      if (o.failing) throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY" });
      return inner.saveAnswers(updates, starts);
    },
    close: () => inner.close(),
  });
  return { ...o, store, set: (failing: boolean) => (o.failing = failing) };
}

const sink: StreamWriter = { append() {}, end() {}, onStop() {}, hasReaders: async () => false };

/** An answer streaming through `history`: tokens, reasoning, and its end, as the relay writes them. */
function answer(history: History, i: number, reports: boolean[] = []) {
  const frames = new AnswerFrames();
  const start: AnswerStart = {
    owner: "local",
    conversationId: `c${i}`,
    messages: [{ role: "user", content: `question ${i}` }],
    settings: {},
    answerId: `a${i}`,
    streamId: `s${i}`,
    at: Date.now(),
  };
  const writer = history.record({ start, writer: sink, report: (saved) => reports.push(saved) });
  return {
    say(...tokens: string[]) {
      for (const t of tokens) frames.content(t);
      writer.append(frames.take()!);
    },
    think(text: string, moved = false) {
      if (moved) frames.contentWasReasoning(text);
      else frames.reasoning(text);
      writer.append(frames.take()!);
    },
    end() {
      frames.event("finish", '{"finish_reason":"stop"}');
      frames.done();
      writer.end(frames.take()!);
    },
  };
}

async function saved(store: HistoryStore, i: number) {
  const c = await store.get("local", `c${i}`);
  return c?.messages.find((m) => m.id === `a${i}`);
}

describe("History saves", () => {
  test("a batch larger than a slice is saved whole, over several transactions, appending only what is new after the first", async () => {
    const r = recordedStore();
    const history = new History({ store: r.store, saveEveryMs: 60_000, slice: { answers: 2 } });
    const answers = Array.from({ length: 5 }, (_, i) => answer(history, i));
    answers.forEach((a, i) => a.say(`Hello ${i}`, ","));
    await history.save();
    expect(r.calls.map((c) => c.updates.length)).toEqual([2, 2, 1]);
    expect(r.calls.flatMap((c) => c.starts.map((s) => s.answerId))).toEqual(["a0", "a1", "a2", "a3", "a4"]);
    expect(r.calls.flatMap((c) => c.updates.map((u) => u.from))).toEqual([undefined, undefined, undefined, undefined, undefined]);
    for (let i = 0; i < 5; i++) expect(await saved(r.inner, i)).toMatchObject({ content: `Hello ${i},`, status: "streaming" });

    r.calls.length = 0;
    answers.forEach((a, i) => a.say(" world", ` ${i}`));
    answers.forEach((a) => a.end());
    await history.save();
    expect(r.calls.map((c) => c.updates.length)).toEqual([2, 2, 1]);
    expect(r.calls.flatMap((c) => c.starts)).toEqual([]);
    expect(r.calls[0]!.updates[0]!.from).toEqual({ content: "Hello 0,".length, reasoning: 0 });
    for (let i = 0; i < 5; i++) {
      expect(await saved(r.inner, i)).toMatchObject({ content: `Hello ${i}, world ${i}`, status: "done", finishReason: "stop" });
      expect((await saved(r.inner, i))!.streamId).toBeUndefined();
    }
    // Saved ended answers are done with: nothing more to write.
    r.calls.length = 0;
    await history.save();
    expect(r.calls).toEqual([]);
    await history.close();
  });

  test("after a failed save, the next writes whole texts and the answer ends saved whole; readers are told both ways", async () => {
    const r = recordedStore();
    const lines: string[] = [];
    const history = new History({ store: r.store, saveEveryMs: 60_000, log: (l) => lines.push(l) });
    const reports: boolean[] = [];
    const a = answer(history, 0, reports);
    a.say("one");
    await history.save();
    a.say(" two");
    await history.save();
    expect(r.calls.at(-1)!.updates[0]!.from).toEqual({ content: 3, reasoning: 0 });

    r.set(true);
    a.say(" three");
    await history.save();
    a.say(" four");
    await history.save();
    expect(reports).toEqual([false]);
    expect(lines.filter((l) => l.includes("cannot save answers (SQLITE_BUSY"))).toHaveLength(1);
    expect(await saved(r.inner, 0)).toMatchObject({ content: "one two" });

    r.set(false);
    a.say(" five");
    await history.save();
    expect(r.calls.at(-1)!.updates[0]!.from).toBeUndefined();
    expect(await saved(r.inner, 0)).toMatchObject({ content: "one two three four five", status: "streaming" });
    expect(reports).toEqual([false, true]);
    expect(lines.at(-1)).toContain("saving works again");

    a.say(" six");
    a.end();
    await history.save();
    expect(r.calls.at(-1)!.updates[0]!.from).toEqual({ content: "one two three four five".length, reasoning: 0 });
    expect(await saved(r.inner, 0)).toMatchObject({ content: "one two three four five six", status: "done" });
    await history.close();
  });

  test("a slice that fails keeps the slices saved before it; it and the rest are saved whole by the next save", async () => {
    const r = recordedStore();
    const history = new History({ store: r.store, saveEveryMs: 60_000, slice: { answers: 1 }, log: () => {} });
    const answers = Array.from({ length: 3 }, (_, i) => answer(history, i));
    answers.forEach((a, i) => a.say(`first ${i}`));
    await history.save();
    answers.forEach((a, i) => a.say(` second ${i}`));
    // The second slice of this save fails.
    const save = r.store.saveAnswers;
    let n = 0;
    r.store.saveAnswers = async (...args) => {
      if (n++ === 1) throw Object.assign(new Error("disk full"), { code: "SQLITE_FULL" });
      return save(...args);
    };
    await history.save();
    expect(await saved(r.inner, 0)).toMatchObject({ content: "first 0 second 0" });
    expect(await saved(r.inner, 1)).toMatchObject({ content: "first 1" });
    expect(await saved(r.inner, 2)).toMatchObject({ content: "first 2" });
    r.calls.length = 0;
    answers.forEach((a) => a.end());
    await history.save();
    expect(r.calls.flatMap((c) => c.updates.map((u) => u.from))).toEqual([undefined, undefined, undefined]);
    for (let i = 0; i < 3; i++) expect(await saved(r.inner, i)).toMatchObject({ content: `first ${i} second ${i}`, status: "done" });
    await history.close();
  });

  test("ends go first, an end during a save is saved by the save right after it, and save() waits for that one", async () => {
    const r = recordedStore();
    const history = new History({ store: r.store, saveEveryMs: 60_000, slice: { answers: 1 } });
    const answers = Array.from({ length: 4 }, (_, i) => answer(history, i));
    answers.forEach((a, i) => a.say(`text ${i}`));
    answers[3]!.end();
    const first = history.save();
    // Between two slices (the event loop runs there), answer 1 ends.
    await new Promise((resolve) => setImmediate(resolve));
    answers[1]!.end();
    const second = history.save();
    await first;
    await second;
    const order = r.calls.map((c) => c.updates[0]!.answerId);
    expect(order[0]).toBe("a3");
    expect(order.indexOf("a1")).toBeLessThan(order.lastIndexOf("a2"));
    for (const i of [1, 3]) expect(await saved(r.inner, i)).toMatchObject({ content: `text ${i}`, status: "done" });
    for (const i of [0, 2]) expect(await saved(r.inner, i)).toMatchObject({ content: `text ${i}`, status: "streaming" });
    await history.close();
  });

  test("text found to be reasoning after a save is saved whole: the answer has no content left, and the reasoning holds it", async () => {
    const r = recordedStore();
    const history = new History({ store: r.store, saveEveryMs: 60_000 });
    const a = answer(history, 0);
    a.say("Let me", " think");
    await history.save();
    a.think("", true);
    a.say("The answer.");
    a.end();
    await history.save();
    expect(r.calls.at(-1)!.updates[0]!.from).toBeUndefined();
    expect(await saved(r.inner, 0)).toMatchObject({ content: "The answer.", reasoning: "Let me think", status: "done" });
    await history.close();
  });

  test("while the store fails, finished answers past the memory bound are let go oldest first, logged; the rest are saved once it is back", async () => {
    const r = recordedStore();
    const lines: string[] = [];
    const history = new History({ store: r.store, saveEveryMs: 60_000, maxUnsavedChars: 450, log: (l) => lines.push(l) });
    r.set(true);
    const a = [0, 1, 2].map((i) => answer(history, i));
    for (const x of a) {
      x.say("x".repeat(100));
      x.end();
      await history.save();
    }
    expect(lines.some((l) => /1 finished answer\(s\) let go unsaved to bound memory/.test(l))).toBe(true);
    r.set(false);
    await history.save();
    expect(await saved(r.inner, 0)).toBeUndefined();
    expect(await saved(r.inner, 1)).toMatchObject({ content: "x".repeat(100), status: "done" });
    expect(await saved(r.inner, 2)).toMatchObject({ content: "x".repeat(100), status: "done" });
    await history.close();
  });

  test("a store known to fail (it could not be opened) is told to an answer from its start, even one that ends before any save", async () => {
    const r = recordedStore();
    r.set(true);
    const history = new History({ store: r.store, saveEveryMs: 60_000, log: () => {} });
    history.failing("SQLITE_NOTADB: file is not a database");
    const told: [boolean, string | undefined][] = [];
    const start: AnswerStart = {
      owner: "local",
      conversationId: "c-told",
      messages: [{ role: "user", content: "q" }],
      settings: {},
      answerId: "a-told",
      streamId: "s-told",
      at: Date.now(),
    };
    history.record({ start, writer: sink, report: (saved, message) => told.push([saved, message]) });
    expect(told).toEqual([[false, expect.stringContaining("SQLITE_NOTADB: file is not a database")]]);
    await history.close();
  });
});
