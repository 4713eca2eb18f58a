/** What changed in one of an owner's conversations: the page re-reads it (or drops it, when removed). */
export interface Change {
  id: string;
  /** The conversation's last change time after it (absent when removed). */
  updatedAt?: number;
  /** It was deleted. */
  removed?: true;
  /** An answer in it is still being written. */
  streaming?: boolean;
  /** The page that made the change (its `X-Chat-Client`), so it can skip its own echo. */
  by?: string;
}

type Listener = (change: Change) => void;

/**
 * How instances sharing one store tell each other of changes (Postgres: NOTIFY and LISTEN). Absent with
 * one instance (SQLite): the feed is then this process's alone.
 */
export interface ChangeBus {
  /** Tells the other instances (best effort: a page that misses one catches up at its next comparison). */
  announce(owner: string, change: Change): void;
  /** Calls `deliver` with every change another instance announced. */
  listen(deliver: (owner: string, change: Change) => void): void;
}

/**
 * Changes to conversations, told to that owner's open pages (GET /api/conversations/changes) as they are
 * saved: how two devices stay in step. With a bus (several instances on one Postgres), changes made
 * through the others are told too; a page catches up on any it missed at its next comparison (focus,
 * reconnect, once a minute).
 */
export class ChangeFeed {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #bus: ChangeBus | undefined;

  constructor(bus?: ChangeBus) {
    this.#bus = bus;
    bus?.listen((owner, change) => this.#deliver(owner, change));
  }

  /** Calls `listener` with each change to `owner`'s conversations until the returned function is called. */
  subscribe(owner: string, listener: Listener): () => void {
    let set = this.#listeners.get(owner);
    if (!set) this.#listeners.set(owner, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(owner) === set) this.#listeners.delete(owner);
    };
  }

  publish(owner: string, change: Change): void {
    this.#deliver(owner, change);
    this.#bus?.announce(owner, change);
  }

  #deliver(owner: string, change: Change): void {
    const set = this.#listeners.get(owner);
    if (!set) return;
    for (const listener of set) listener(change);
  }

  /** How many pages listen (for tests and the log). */
  get size(): number {
    let n = 0;
    for (const set of this.#listeners.values()) n += set.size;
    return n;
  }
}
