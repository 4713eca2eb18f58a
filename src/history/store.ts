import type { ChangeBus } from "./changes.ts";

/** What a client may name a conversation or a message by. */
export const RECORD_ID = /^[\w-]{1,100}$/;

/** How an answer stands: still arriving, finished, stopped by its owner, or failed. */
export type AnswerStatus = "streaming" | "done" | "stopped" | "error";

/** One message as the page keeps it (client/chat/store.ts `Message`), linked to the one it follows. */
export interface MessageRecord {
  id: string;
  /** The message this one follows; its siblings are the other versions written in its place. */
  parent?: string | undefined;
  role: "user" | "assistant";
  content: string;
  reasoning?: string | undefined;
  reasoningMs?: number | undefined;
  refusal?: boolean | undefined;
  status?: AnswerStatus | undefined;
  model?: string | undefined;
  finishReason?: string | undefined;
  usage?: Record<string, unknown> | undefined;
  error?: { message: string; type: string; status: number } | undefined;
  /** While the answer streams: the id to re-attach to (`GET /api/chat/{id}/stream`). */
  streamId?: string | undefined;
  /** While the answer streams: the SSE id its saved text ends with (re-attach with it as Last-Event-ID). */
  lastEventId?: string | undefined;
  /** User messages: the page's files (client/chat/attachments.ts `Attachment`), kept as the page sent them. */
  attachments?: unknown[] | undefined;
}

/** A conversation with every version of every message, oldest first, and the leaf on screen. */
export interface ConversationRecord {
  id: string;
  /** Set by the owner; undefined: the page derives it from the first question. */
  title?: string | undefined;
  createdAt: number;
  updatedAt: number;
  leaf?: string | undefined;
  /** The page's per-conversation settings (model, system, temperature, maxTokens, reasoningEffort). */
  settings: Record<string, unknown>;
  messages: MessageRecord[];
}

/** A conversation in the list: enough to show it, nothing of its text beyond the title. */
export interface ConversationSummary {
  id: string;
  /** The owner's title, else the first question (80 characters at most), else "New chat". */
  title: string;
  createdAt: number;
  updatedAt: number;
  /** An answer in it is still being written. */
  streaming: boolean;
}

export interface ListQuery {
  limit: number;
  /** Where the previous page ended (its `next`). */
  cursor?: string | undefined;
  /** Words that must all appear in the title or in some message (case-insensitive). */
  search?: string | undefined;
}

export interface ListPage {
  items: ConversationSummary[];
  /** The cursor of the next page; undefined on the last. */
  next?: string | undefined;
}

/** A POST /api/chat that saves its answer: the conversation, what was asked, and the answer's ids. */
export interface AnswerStart {
  owner: string;
  conversationId: string;
  /**
   * The request's messages (system messages removed): those not yet in the conversation are added. A
   * message with the client's `id` is that message when the conversation has it, and is added under it.
   */
  messages: { role: "user" | "assistant"; content: string; id?: string | undefined }[];
  settings: Record<string, unknown>;
  answerId: string;
  streamId: string;
  at: number;
}

/** What an answer has become so far: its whole text, not a delta (a save can be retried as is). */
export interface AnswerUpdate {
  owner: string;
  conversationId: string;
  answerId: string;
  content: string;
  reasoning: string;
  /**
   * When set, the store already holds the first `from.content` characters (UTF-16 units, as JS counts)
   * of `content` and the first `from.reasoning` of `reasoning`, committed by an earlier save: it may
   * append only the rest (`content.slice(from.content)`). Writing the whole texts is right too. Set only
   * while every save since the one that wrote them succeeded.
   */
  from?: { content: number; reasoning: number } | undefined;
  status: AnswerStatus;
  meta: Pick<MessageRecord, "reasoningMs" | "refusal" | "model" | "finishReason" | "usage" | "error" | "lastEventId">;
  at: number;
}

/**
 * The page's copy of a conversation, sent to keep the server in step (PUT /api/conversations/{id}):
 * what the page changes without asking the model (the version on screen, settings, a question's files,
 * messages it removed) and whole conversations it had before the server kept them (an upload).
 */
export interface ConversationSync extends ConversationRecord {
  // `title` is used only when the conversation is new here (an upload); a rename is PATCH. Of
  // `messages` (oldest first), answers the server already has stay the server's: it wrote them.
  /** Ids the page removed (a failed answer replaced, a conversation cleared); an answer still streaming stays. */
  removed: string[];
}

/**
 * Where conversations live (SQLite, or Postgres through Bun's SQL). Every call names its owner and
 * touches nothing of anyone else's: ids are each owner's own (the page names its conversations), so the
 * same id under another owner is another conversation, and no owner can take or probe another's ids.
 * Implementations throw on storage failures (locked, full, corrupt, gone); callers decide what the user sees.
 */
export interface HistoryStore {
  list(owner: string, query: ListQuery): Promise<ListPage>;
  get(owner: string, id: string): Promise<ConversationRecord | undefined>;
  /** Adds a whole conversation (an import) under a new id; returns it as saved. */
  insert(owner: string, conversation: Omit<ConversationRecord, "createdAt" | "updatedAt"> & { createdAt?: number }): Promise<ConversationRecord>;
  /** Sets the title (undefined: derived again). False when not the owner's. */
  rename(owner: string, id: string, title: string | undefined): Promise<boolean>;
  remove(owner: string, id: string): Promise<boolean>;
  /**
   * Brings the page's copy in (ConversationSync): creates the conversation when new, adds the messages it
   * lacks, updates questions' text and files, removes `removed`, sets leaf and settings. The last change
   * time only moves forward.
   */
  put(owner: string, sync: ConversationSync): Promise<{ updatedAt: number }>;
  /**
   * Saves an answer's start in one transaction: the conversation (created when new), the request's
   * messages it lacks, and the answer (status streaming). False when the answer's id is already used in
   * that conversation (a client reusing its ids): that answer is then not saved.
   */
  startAnswer(start: AnswerStart): Promise<boolean>;
  /**
   * Saves several answers' progress in one transaction, after the starts of those not yet saved (as
   * `startAnswer` each). Returns the answer ids whose start was refused (see startAnswer). History calls
   * it with slices of a few dozen answers at most (history.ts), one call at a time.
   */
  saveAnswers(updates: readonly AnswerUpdate[], starts?: readonly AnswerStart[]): Promise<string[]>;
  /** Present when several instances share the store: how they tell each other of changes. */
  readonly changes?: ChangeBus | undefined;
  close(): Promise<void>;
}
