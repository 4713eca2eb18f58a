import { describe, expect, test } from "bun:test";
import { requestOptions, restoreSettings } from "../../client/chat/settings.ts";
import type { ChatStreamEvent, RequestOptions, WireMessage } from "../../client/chat/stream.ts";
import { type ResumeFn, type StreamFn, createChat, restore } from "../../client/chat/store.ts";
import { memoryPersistence as memory } from "./memory-persistence.ts";

type Step = ChatStreamEvent | "hold";

/** A stand-in for the server: each POST plays its script in turn, each re-attach the `resume` one; "hold" waits for Stop. */
function fakeServer(posts: Step[][], resumeScript: Step[] = []) {
  const calls: { messages: WireMessage[]; options?: RequestOptions }[] = [];
  const resumes: { id: string; lastEventId?: string }[] = [];
  const play = async function* (steps: Step[], signal: AbortSignal): AsyncGenerator<ChatStreamEvent> {
    for (const step of steps) {
      if (step !== "hold") yield step;
      else await new Promise((_, reject) => signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError"))));
    }
  };
  const stream: StreamFn = ({ messages, options, signal }) => {
    calls.push({ messages, options });
    return play(posts[calls.length - 1] ?? [], signal);
  };
  const resume: ResumeFn = ({ id, lastEventId, signal }) => {
    resumes.push({ id, lastEventId });
    return play(resumeScript, signal);
  };
  return { stream, resume, calls, resumes, stopRemote: async () => {} };
}

/** A wall clock the test moves by hand. */
function wall(start = 1_000_000) {
  let t = start;
  return { wallClock: () => t, advance: (ms: number) => void (t += ms) };
}

const start = (id: string): ChatStreamEvent => ({ type: "start", id });
const thought = (reasoning: string, eventId?: string, contentWasReasoning?: boolean): ChatStreamEvent => ({
  type: "reasoning",
  reasoning,
  ...(eventId && { eventId }),
  ...(contentWasReasoning && { contentWasReasoning }),
});
const delta = (content: string, eventId?: string): ChatStreamEvent => ({ type: "delta", content, ...(eventId && { eventId }) });
const done: ChatStreamEvent = { type: "done" };
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("an answer with thinking", () => {
  test("keeps its thinking beside its text, and the next request sends only the text", async () => {
    const server = fakeServer([
      [thought("Hmm, "), thought("**two** plus two"), delta("4"), { type: "finish", finishReason: "stop", reasoningMs: 900, refusal: true }, done],
      [done],
    ]);
    const chat = createChat({ stream: server.stream });
    await chat.send("2+2?");
    expect(chat.state.messages[1]).toMatchObject({ content: "4", reasoning: "Hmm, **two** plus two", reasoningMs: 900, refusal: true, status: "done" });
    await chat.send("Thanks");
    // Exactly role and content: upstreams refuse fields they do not know, and the thinking is not for them.
    expect(server.calls[1]!.messages).toEqual([
      { role: "user", content: "2+2?" },
      { role: "assistant", content: "4" },
      { role: "user", content: "Thanks" },
    ]);
  });

  test("an answer stopped while thinking keeps its thinking and how long it thought, and is not sent on", async () => {
    const clock = wall();
    const server = fakeServer([[start("s-1"), thought("Considering"), "hold"], [done]]);
    const chat = createChat({ ...server, ...clock });
    const sending = chat.send("Q");
    await settle();
    clock.advance(3000);
    chat.stop();
    await sending;
    expect(chat.state.messages[1]).toMatchObject({ content: "", reasoning: "Considering", status: "stopped", reasoningMs: 3000 });
    await chat.send("Q2");
    expect(server.calls[1]!.messages).toEqual([
      { role: "user", content: "Q" },
      { role: "user", content: "Q2" },
    ]);
  });

  test("the thinking time is measured here when the words start, then replaced by the server's figure", async () => {
    const clock = wall();
    let measured: number | undefined;
    const stream: StreamFn = async function* () {
      yield thought("a");
      clock.advance(2500);
      yield thought("b");
      clock.advance(500);
      yield delta("Answer");
      measured = chat.state.messages[1]!.reasoningMs;
      yield { type: "finish", finishReason: "stop", reasoningMs: 2900 };
      yield done;
    };
    const chat = createChat({ stream, ...clock });
    await chat.send("Q");
    expect(measured).toBe(3000);
    expect(chat.state.messages[1]).toMatchObject({ reasoning: "ab", reasoningStartedAt: 1_000_000, reasoningMs: 2900 });
  });

  test("content that turns out to be thinking moves into the thinking, and the answer starts again", async () => {
    const clock = wall();
    const stream: StreamFn = async function* () {
      yield delta("I should add ");
      clock.advance(1000);
      yield delta("them");
      yield thought(".", undefined, true);
      yield thought(" Done.");
      clock.advance(1000);
      yield delta("4");
      yield done;
    };
    const chat = createChat({ stream, ...clock });
    await chat.send("2+2?");
    // The thinking began with the first of that content, not when the server found out.
    expect(chat.state.messages[1]).toMatchObject({ content: "4", reasoning: "I should add them. Done.", reasoningStartedAt: 1_000_000, reasoningMs: 2000 });
  });
});

describe("a reload mid-thinking", () => {
  test("thoughts advance the last event id, are saved with it, and a re-attach gets both parts exactly", async () => {
    const server = fakeServer([[start("s-1"), thought("Let me", "1"), thought(" see", "2"), "hold"]], [
      start("s-1"),
      thought(" more", "3"),
      delta("The answer", "4"),
      delta(" is 4.", "5"),
      { type: "finish", finishReason: "stop", reasoningMs: 1200, eventId: "6" },
      done,
    ]);
    const before = memory();
    const first = createChat({ ...server, persistence: before, saveEveryMs: 1 });
    const sending = first.send("Q");
    await Bun.sleep(10);
    expect(before.saved?.[1]).toMatchObject({ content: "", reasoning: "Let me see", lastEventId: "2", status: "streaming", streamId: "s-1" });
    const snapshot = before.snapshot(); // what the reloaded page finds

    const after = memory(snapshot);
    const reloaded = createChat({ ...server, persistence: after });
    expect(reloaded.state.messages[1]).toMatchObject({ reasoning: "Let me see", status: "streaming" });
    await reloaded.resume();
    expect(server.resumes).toEqual([{ id: "s-1", lastEventId: "2" }]);
    expect(reloaded.state.messages[1]).toMatchObject({ reasoning: "Let me see more", content: "The answer is 4.", reasoningMs: 1200, status: "done", lastEventId: "6" });
    expect(after.saved?.[1]).toMatchObject({ reasoning: "Let me see more", content: "The answer is 4.", reasoningMs: 1200 });
    first.stop();
    await sending;
  });

  test("saved thinking comes back only with the right types", () => {
    const [, a] = restore([
      { id: "1", role: "user", content: "Q" },
      { id: "2", role: "assistant", content: "A", reasoning: "R", reasoningStartedAt: 5, reasoningMs: 7, refusal: true },
    ]);
    expect(a).toMatchObject({ reasoning: "R", reasoningStartedAt: 5, reasoningMs: 7, refusal: true });
    const [bad] = restore([{ id: "2", role: "assistant", content: "A", reasoning: 3, reasoningStartedAt: "x", reasoningMs: -1, refusal: "yes" }]);
    expect(bad).toEqual({ id: "2", role: "assistant", content: "A", status: "done" });
  });
});

describe("reasoning effort", () => {
  test("is sent as reasoning_effort only when chosen, and a bad saved value is dropped", async () => {
    expect(requestOptions({})).toEqual({});
    expect(requestOptions({ reasoningEffort: "low", maxTokens: 10 })).toEqual({ max_tokens: 10, reasoning_effort: "low" });
    expect(restoreSettings({ reasoningEffort: "high" })).toEqual({ reasoningEffort: "high" });
    expect(restoreSettings({ reasoningEffort: "extreme" })).toEqual({});
    const server = fakeServer([[done], [done]]);
    const chat = createChat({ stream: server.stream });
    chat.updateSettings({ reasoningEffort: "minimal" });
    await chat.send("Q");
    chat.updateSettings({ reasoningEffort: undefined });
    await chat.send("Q2");
    expect(server.calls.map((c) => c.options)).toEqual([{ reasoning_effort: "minimal" }, {}]);
  });
});
