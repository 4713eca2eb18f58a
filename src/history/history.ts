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
}

interface Saving {
  start: AnswerStart;
  record: AnswerRecord;
  report: SaveReport;
  started: boolean;
  ended: boolean;
  /** This answer's readers were told saving failed, and not yet that it works again. */
  toldFailing: boolean;
}

/**
 * Conversations kept on the server. Answers are saved as they stream, all of them in one transaction
 * every `saveEveryMs` (500 ms) and at their end: a write per batch, not per token. A failing store
 * (locked, full, corrupt, gone) never touches the stream: the answer keeps everything in memory, its
 * readers get one `event: history` saying so, the log gets one line, and the next save tries again,
 * whole texts each time, so nothing is lost once the store is back.
 */
export class History {
  readonly store: HistoryStore;
  /** Saved changes, for the owners' open pages (GET /api/conversations/changes). */
  readonly changes = new ChangeFeed();
  readonly #log: (line: string) => void;
  readonly #saving = new Set<Saving>();
  readonly #dirty = new Set<Saving>();
  readonly #timer: ReturnType<typeof setInterval>;
  #flushing: Promise<void> | undefined;
  #again = false;
  #soon = false;
  #failure: string | undefined;

  constructor(o: HistoryOptions) {
    this.store = o.store;
    this.#log = o.log ?? ((line) => console.error(line));
    this.#timer = setInterval(() => void this.save(), o.saveEveryMs ?? 500);
    this.#timer.unref();
  }

  /** The message of the store's current failure, or undefined while saving works. */
  get failure(): string | undefined {
    return this.#failure;
  }

  /**
   * Starts saving an answer: its question is saved at once (or with the next save, if the store fails
   * now), and the returned writer records each burst of frames on its way to the log.
   */
  record(o: { start: AnswerStart; writer: StreamWriter; report: SaveReport }): StreamWriter {
    const s: Saving = { start: o.start, record: new AnswerRecord(), report: o.report, started: false, ended: false, toldFailing: false };
    this.#saving.add(s);
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
          this.#dirty.add(s);
        }
      },
      end: (burst: Burst) => {
        writer.end(burst);
        s.record.add(burst.text);
        s.ended = true;
        this.#dirty.add(s);
        this.#saveSoon();
      },
      onStop: (listener) => writer.onStop(listener),
      hasReaders: () => writer.hasReaders(),
    };
  }

  /** Saves every answer that changed; one save at a time (a call during one runs once more after it). */
  save(): Promise<void> {
    if (this.#flushing) {
      this.#again = true;
      return this.#flushing;
    }
    if (this.#dirty.size === 0) return Promise.resolve();
    this.#flushing = this.#saveDirty().finally(() => {
      this.#flushing = undefined;
      if (this.#again) {
        this.#again = false;
        void this.save();
      }
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
    const batch = [...this.#dirty];
    this.#dirty.clear();
    let updates: AnswerUpdate[];
    let refused: string[];
    try {
      const starts = batch.filter((s) => !s.started);
      updates = batch.map((s) => {
        const { content, reasoning, status, meta } = s.record.snapshot();
        const { owner, conversationId, answerId } = s.start;
        return { owner, conversationId, answerId, content, reasoning, status, meta, at: Date.now() };
      });
      // Starts and progress of every answer in one transaction: one write a tick, however many answers.
      refused = await this.store.saveAnswers(
        updates,
        starts.map((s) => s.start),
      );
      for (const s of starts) s.started = true;
      // Checked before the answer began: refused only if the conversation changed hands since (it cannot).
      for (const s of batch) if (refused.includes(s.start.answerId)) this.#forget(s);
    } catch (err) {
      for (const s of batch) if (this.#saving.has(s)) this.#dirty.add(s);
      return this.#failed(err, batch);
    }
    if (this.#failure !== undefined) {
      this.#log("chat: history: saving works again; every answer kept meanwhile is saved");
      this.#failure = undefined;
    }
    this.#tell(updates.filter((u) => !refused.includes(u.answerId)));
    for (const s of batch) {
      if (s.toldFailing) {
        s.toldFailing = false;
        if (!s.ended) s.report(true);
      }
      if (s.ended) this.#forget(s);
    }
  }

  /** One change per conversation saved (its newest time, and whether an answer in it still streams). */
  #tell(updates: readonly AnswerUpdate[]): void {
    const told = new Map<string, { owner: string; updatedAt: number; streaming: boolean }>();
    for (const u of updates) {
      const key = `${u.owner}\n${u.conversationId}`;
      const seen = told.get(key);
      const streaming = u.status === "streaming" || (seen?.streaming ?? false);
      told.set(key, { owner: u.owner, updatedAt: Math.max(u.at, seen?.updatedAt ?? 0), streaming });
    }
    for (const [key, c] of told) this.changes.publish(c.owner, { id: key.slice(c.owner.length + 1), updatedAt: c.updatedAt, streaming: c.streaming });
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
      s.report(false, `This answer is not being saved on the server (${message}); it will be saved when the store works again.`);
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
