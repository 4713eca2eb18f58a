import type { StreamWriter } from "../resume/store.ts";
import type { Burst } from "../wire/burst.ts";
import { AnswerRecord } from "./answer-record.ts";
import { ChangeFeed } from "./changes.ts";
import type { AnswerStart, AnswerUpdate, HistoryStore } from "./store.ts";

/** Tells the answer's readers whether saving works (an `event: history`), when that changes. */
export type SaveReport = (saved: boolean, message?: string) => void;

export interface HistoryOptions {
  store: HistoryStore;
  /** How often streaming answers are saved: what a kill -9 can lose at most, plus one write. */
  saveEveryMs?: number;
  log?: (line: string) => void;
  /**
   * One transaction's share of a save: at most `answers` answers and about `chars` characters of their
   * texts (whole texts: SQLite rewrites an answer's row even to append). The event loop runs between two.
   */
  slice?: { answers?: number; chars?: number };
  /**
   * How many characters of finished answers are kept in memory while the store fails (64 Mi: about
   * 128 MB): past it the oldest are let go, logged, so a store down for hours cannot take the process's
   * memory with it. Answers still streaming are bounded by the resume limits, and always kept.
   */
  maxUnsavedChars?: number;
}

/** A save's slices: 50 answers or ~128 K characters each, a few milliseconds of SQLite (bench/history-pauses.ts). */
const SLICE = { answers: 50, chars: 128 * 1024 };
/** What a row costs beyond its texts, in characters, when cutting slices. */
const ROW_CHARS = 512;

interface Saving {
  start: AnswerStart;
  record: AnswerRecord;
  report: SaveReport;
  started: boolean;
  ended: boolean;
  /** This answer's readers were told saving failed, and not yet that it works again. */
  toldFailing: boolean;
  /** Characters of frames recorded (an upper bound of its texts): what keeping it unsaved costs. */
  chars: number;
  /**
   * What the store holds of its texts (their lengths) and the record's `rewrites` then, so the next save
   * appends only the rest; undefined when it must write whole texts (nothing saved yet, or a save failed since).
   */
  saved: { content: number; reasoning: number; rewrites: number } | undefined;
}

const notSaved = (why: string) => `This answer is not being saved on the server (${why}); it will be saved when the store works again.`;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Conversations kept on the server. Answers are saved as they stream, every `saveEveryMs` (500 ms) and at
 * their end: a write per tick, not per token. A tick's save is cut into slices of a few dozen answers,
 * each its own transaction, with the event loop running between them: bun:sqlite is synchronous, and
 * one transaction for hundreds of long answers stalled every stream of the process for 60–140 ms
 * (bench/history-pauses.ts). Ended answers go first. Each slice appends only what its answers gained
 * since their last save (AnswerUpdate.from).
 *
 * A failing store (locked, full, corrupt, gone) never touches the stream: the answer keeps everything in
 * memory, its readers get one `event: history` saying so, the log gets one line, and the next save tries
 * again with whole texts for every answer (whatever the store holds now), so nothing is lost once it is
 * back. Slices saved before a failure stay saved; the failed one and the rest wait for the next save.
 */
export class History {
  readonly store: HistoryStore;
  /** Saved changes, for the owners' open pages (GET /api/conversations/changes). */
  readonly changes: ChangeFeed;
  readonly #log: (line: string) => void;
  readonly #saving = new Set<Saving>();
  readonly #dirty = new Set<Saving>();
  readonly #timer: ReturnType<typeof setInterval>;
  readonly #slice: { answers: number; chars: number };
  readonly #maxUnsavedChars: number;
  #flushing: Promise<void> | undefined;
  /** The save that runs after the one under way, for those who asked meanwhile. */
  #next: Promise<void> | undefined;
  #soon = false;
  #failure: string | undefined;

  constructor(o: HistoryOptions) {
    this.store = o.store;
    this.changes = new ChangeFeed(o.store.changes);
    this.#log = o.log ?? ((line) => console.error(line));
    this.#slice = { ...SLICE, ...o.slice };
    this.#maxUnsavedChars = o.maxUnsavedChars ?? 64 * 1024 * 1024;
    this.#timer = setInterval(() => void this.save(), o.saveEveryMs ?? 500);
    this.#timer.unref();
  }

  /** The message of the store's current failure, or undefined while saving works. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /** The store could not even be opened (at start): answers are told so from their first frame. */
  failing(message: string): void {
    this.#failure ??= message;
  }

  /**
   * Starts saving an answer: its question is saved at once (or with the next save, if the store fails
   * now), and the returned writer records each burst of frames on its way to the log.
   */
  record(o: { start: AnswerStart; writer: StreamWriter; report: SaveReport }): StreamWriter {
    const s: Saving = {
      start: o.start,
      record: new AnswerRecord(),
      report: o.report,
      started: false,
      ended: false,
      toldFailing: false,
      chars: 0,
      saved: undefined,
    };
    this.#saving.add(s);
    // The store is known to fail: told now, not at the first save (a short answer may end before it).
    if (this.#failure !== undefined) {
      s.toldFailing = true;
      o.report(false, notSaved(this.#failure));
    }
    // Saved with the next tick (or the answer's end, if sooner), not now: a write before the first
    // token would add to its latency (bench/README.md, history-cost).
    this.#dirty.add(s);
    const { writer } = o;
    return {
      append: (burst: Burst) => {
        try {
          writer.append(burst);
        } finally {
          s.record.add(burst.text);
          s.chars += burst.text.length;
          this.#dirty.add(s);
        }
      },
      end: (burst: Burst) => {
        writer.end(burst);
        s.record.add(burst.text);
        s.chars += burst.text.length;
        s.ended = true;
        this.#dirty.add(s);
        this.#saveSoon();
      },
      onStop: (listener) => writer.onStop(listener),
      hasReaders: () => writer.hasReaders(),
    };
  }

  /**
   * Saves every answer that changed; one save at a time: a call during one runs once more after it, and
   * resolves when that one has ended.
   */
  save(): Promise<void> {
    if (this.#flushing) {
      return (this.#next ??= this.#flushing.then(() => {
        this.#next = undefined;
        return this.save();
      }));
    }
    if (this.#dirty.size === 0) return Promise.resolve();
    this.#flushing = this.#saveDirty().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Saves what is left, then closes the store. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.save();
    if (this.#dirty.size > 0) this.#log(`chat: history: ${this.#dirty.size} answer(s) could not be saved before exit: ${this.#failure}`);
    await this.store.close();
  }

  async #saveDirty(): Promise<void> {
    // Ends first: an answer that ended is saved in the first slice, not behind every other.
    const queue = [...this.#dirty].sort((a, b) => Number(b.ended) - Number(a.ended));
    this.#dirty.clear();
    for (let i = 0; i < queue.length;) {
      if (i > 0) {
        await nextTurn();
        // Answers that ended meanwhile go before the rest of this save.
        const ends = [...this.#dirty].filter((s) => s.ended);
        for (const s of ends) this.#dirty.delete(s);
        queue.splice(i, 0, ...ends);
      }
      const slice: Saving[] = [];
      const updates: AnswerUpdate[] = [];
      const marks: { rewrites: number; ended: boolean }[] = [];
      let chars = 0;
      while (i < queue.length && slice.length < this.#slice.answers && chars < this.#slice.chars) {
        const s = queue[i++]!;
        // Gone (saved ended, or refused) or saved since with nothing new (it was queued twice).
        if (!this.#saving.has(s) || (s.started && s.saved !== undefined && !s.record.changed)) continue;
        const { content, reasoning, status, meta, rewrites } = s.record.snapshot();
        const { owner, conversationId, answerId } = s.start;
        const was = s.saved;
        const from =
          was && was.rewrites === rewrites && was.content <= content.length && was.reasoning <= reasoning.length
            ? { content: was.content, reasoning: was.reasoning }
            : undefined;
        slice.push(s);
        updates.push({ owner, conversationId, answerId, content, reasoning, from, status, meta, at: Date.now() });
        // Read when the texts were: an end coming during the write is saved by the next one.
        marks.push({ rewrites, ended: s.ended });
        chars += content.length + reasoning.length + ROW_CHARS;
      }
      if (slice.length === 0) continue;
      let refused: string[];
      try {
        refused = await this.store.saveAnswers(
          updates,
          slice.filter((s) => !s.started).map((s) => s.start),
        );
      } catch (err) {
        // Whatever the store holds now (rolled back, reopened, restored), the next save writes whole texts.
        for (const s of this.#saving) s.saved = undefined;
        const unsaved = [...slice, ...queue.slice(i)].filter((s) => this.#saving.has(s));
        for (const s of unsaved) this.#dirty.add(s);
        return this.#failed(err, unsaved);
      }
      if (this.#failure !== undefined) {
        this.#log("chat: history: saving works again; every answer kept meanwhile is saved");
        this.#failure = undefined;
      }
      this.#tell(updates.filter((u) => !refused.includes(u.answerId)));
      slice.forEach((s, k) => {
        // Checked before the answer began: refused only if the conversation changed hands since (it cannot).
        if (refused.includes(s.start.answerId)) return this.#forget(s);
        s.started = true;
        const u = updates[k]!;
        s.saved = { content: u.content.length, reasoning: u.reasoning.length, rewrites: marks[k]!.rewrites };
        if (s.toldFailing) {
          s.toldFailing = false;
          if (!marks[k]!.ended) s.report(true);
        }
        if (marks[k]!.ended) this.#forget(s);
      });
    }
  }

  /** One change per conversation saved (its newest time, and whether an answer in it still streams). */
  #tell(updates: readonly AnswerUpdate[]): void {
    const told = new Map<string, { owner: string; id: string; updatedAt: number; streaming: boolean }>();
    for (const u of updates) {
      const key = `${u.owner}\n${u.conversationId}`;
      const seen = told.get(key);
      const streaming = u.status === "streaming" || (seen?.streaming ?? false);
      told.set(key, { owner: u.owner, id: u.conversationId, updatedAt: Math.max(u.at, seen?.updatedAt ?? 0), streaming });
    }
    for (const { owner, id, updatedAt, streaming } of told.values()) this.changes.publish(owner, { id, updatedAt, streaming });
  }

  #failed(err: unknown, batch: Saving[]): void {
    const code = (err as { code?: unknown }).code;
    const message = `${typeof code === "string" ? `${code}: ` : ""}${err instanceof Error ? err.message : String(err)}`;
    if (this.#failure === undefined) {
      this.#log(`chat: history: cannot save answers (${message}); they keep streaming and are kept in memory, retrying`);
    }
    this.#failure = message;
    for (const s of batch) {
      if (s.toldFailing || s.ended) continue;
      s.toldFailing = true;
      s.report(false, notSaved(message));
    }
    this.#bound();
  }

  /** Lets the oldest finished answers go once those waiting for the store pass `maxUnsavedChars`. */
  #bound(): void {
    let kept = 0;
    for (const s of this.#saving) if (s.ended) kept += s.chars;
    let dropped = 0;
    // A Set iterates in insertion order: the oldest answers first.
    for (const s of this.#saving) {
      if (kept <= this.#maxUnsavedChars) break;
      if (!s.ended) continue;
      kept -= s.chars;
      this.#forget(s);
      dropped++;
    }
    if (dropped > 0) {
      this.#log(`chat: history: the store still fails (${this.#failure}); ${dropped} finished answer(s) let go unsaved to bound memory`);
    }
  }

  #forget(s: Saving): void {
    this.#saving.delete(s);
    this.#dirty.delete(s);
  }

  /** The end of an answer is saved at once, not with the next tick; several ends share one save. */
  #saveSoon(): void {
    if (this.#soon) return;
    this.#soon = true;
    setTimeout(() => {
      this.#soon = false;
      void this.save();
    }, 0);
  }
}
