import { APIError } from "openai";
import { ChatError, aborted } from "../errors.ts";
import { imageStats } from "./chat-message.ts";
import type { Usage } from "./chunk.ts";
import { connectionLost, notJson, toChatError, unfinished } from "./error-mapping.ts";
import { type EventSink, readUpstreamEvents } from "./sse-parser.ts";
import type { Finish, UpstreamOptions } from "./stream-completion.ts";

/**
 * What a protocol's reader (`ChunkReader` for Chat Completions, `ResponsesReader` for the Responses
 * API) knows of an answer as its events arrive: the sink's batches come out of `event`/`endOfRead`,
 * the rest is read here.
 */
export interface AnswerReader<Batch> extends EventSink<Batch | undefined> {
  model: string | undefined;
  id: string | undefined;
  usage: Usage | undefined;
  finishReason: string | undefined;
  refusal: boolean;
  /** When (performance.now()) the first content and the first reasoning were written. */
  firstContentAt: number | undefined;
  firstReasoningAt: number | undefined;
  /** The stream's end arrived. */
  done: boolean;
  /** An error inside the stream, or an event that is not JSON: thrown once the frames before it are out. */
  failure: { error: object } | { notJson: true } | undefined;
}

/**
 * One answer, whichever protocol: the request (`request`, which may retry), then the body read by our
 * byte-level parser into `reader`, a batch yielded per network read, the first-token hooks called, and
 * how it finished returned. Every failure leaves as a thrown ChatError; an error inside the stream is
 * first made the SDK's error of its kind by `streamError`, then mapped like any other.
 */
export async function* readAnswer<Batch>(o: {
  opts: UpstreamOptions<Batch>;
  reader: AnswerReader<Batch>;
  request: () => Promise<Response>;
  streamError: (error: object, headers: Headers) => APIError;
}): AsyncGenerator<Batch, Finish> {
  const { opts, reader } = o;
  const { config, signal } = opts;
  let sawToken = false;
  let sawContent = false;
  let sawReasoning = false;
  let reading = false;
  try {
    const response = await o.request();
    reading = true;
    for await (const batch of readUpstreamEvents(response.body!, reader)) {
      if (batch) {
        sawToken = true;
        if (!sawReasoning && reader.firstReasoningAt !== undefined) {
          sawReasoning = true;
          opts.onFirstReasoning?.();
        }
        if (!sawContent && reader.firstContentAt !== undefined) {
          sawContent = true;
          opts.onFirstToken?.();
        }
        yield batch;
      }
      const failure = reader.failure;
      if (failure) throw "notJson" in failure ? notJson() : o.streamError(failure.error, response.headers);
      if (reader.done) break;
    }
  } catch (err) {
    if (signal.aborted && !(err instanceof ChatError)) throw aborted();
    if (reading && !(err instanceof ChatError || err instanceof APIError)) throw connectionLost();
    throw toChatError(err, config, imageStats(opts.messages).count);
  }
  if (signal.aborted) throw aborted();
  // A 200 that ends without a finish was cut somewhere upstream: the user must know.
  const { finishReason, model, id, usage, refusal, firstReasoningAt, firstContentAt } = reader;
  if (finishReason === undefined) throw unfinished(sawToken);
  const reasoningMs = firstReasoningAt === undefined ? undefined : Math.round((firstContentAt ?? performance.now()) - firstReasoningAt);
  return { finishReason, model, id, usage, reasoningMs, refusal };
}
