import { describe, expect, test } from "bun:test";
import type { ChatStreamEvent, WireMessage } from "../../client/chat/stream.ts";
import { type Message, type StreamFn, createChat, restore, toWire } from "../../client/chat/store.ts";
import { memoryPersistence as memory } from "./memory-persistence.ts";

/** A stand-in for the server: each call gets a script; `hold` pauses it until released or aborted. */
function fakeServer(scripts: Array<Array<ChatStreamEvent | "hold">>) {
  const calls: WireMessage[][] = [];
  const signals: AbortSignal[] = [];
  let release = () => {};
  const stream: StreamFn = async function* ({ messages, signal }) {
    calls.push(messages);
    signals.push(signal);
    for (const step of scripts[calls.length - 1] ?? []) {
      if (step === "hold") {
        await new Promise<void>((resolve, reject) => {
          release = resolve;
          signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true });
        });
      } else yield step;
    }
  };
  return { stream, calls, signals, release: () => release() };
}

const delta = (content: string): ChatStreamEvent => ({ type: "delta", content });
const done: ChatStreamEvent = { type: "done" };
const upstreamBroke = { message: "Upstream broke.", type: "upstream_error", status: 502 };
const failed: ChatStreamEvent = { type: "error", error: upstreamBroke };
const settle = () => new Promise((r) => setTimeout(r, 0));

describe("chat store", () => {
  test("a sent message streams its answer into one assistant message", async () => {
    const server = fakeServer([[delta("Hel"), delta("lo"), { type: "finish", finishReason: "stop", model: "gpt-fake" }, done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("  Hi there \n");
    expect(chat.state.messages.map(({ role, content, status, model }) => ({ role, content, status, model }))).toEqual([
      { role: "user", content: "Hi there", status: undefined, model: undefined },
      { role: "assistant", content: "Hello", status: "done", model: "gpt-fake" },
    ]);
    expect(chat.state.streaming).toBe(false);
    expect(server.calls).toEqual([[{ role: "user", content: "Hi there" }]]);
  });

  test("the whole conversation goes with each new message", async () => {
    const server = fakeServer([[delta("A1"), done], [delta("A2"), done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    await chat.send("Q2");
    expect(server.calls[1]).toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
    ]);
  });

  test("an empty message is not sent, nor one while an answer streams", async () => {
    const server = fakeServer([[delta("x"), "hold", done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("   \n ");
    expect(server.calls.length).toBe(0);
    const first = chat.send("one");
    await settle();
    expect(chat.state.streaming).toBe(true);
    await chat.send("two");
    expect(server.calls.length).toBe(1);
    server.release();
    await first;
  });

  test("stop aborts the request and keeps the partial answer", async () => {
    const server = fakeServer([[delta("Partial "), delta("answer"), "hold", delta("never"), done]]);
    const chat = createChat({ stream: server.stream });
    const sending = chat.send("Go");
    await settle();
    chat.stop();
    await sending;
    expect(server.signals[0]!.aborted).toBe(true);
    expect(chat.state.messages[1]).toMatchObject({ content: "Partial answer", status: "stopped" });
    expect(chat.state.streaming).toBe(false);
  });

  test("stop names the answer to the server, so it stops the model, not just the connection", async () => {
    const server = fakeServer([[{ type: "start", id: "s-1" }, delta("Some"), "hold", done]]);
    const stopped: string[] = [];
    const chat = createChat({ stream: server.stream, stopRemote: async (id) => void stopped.push(id) });
    const sending = chat.send("Go");
    await settle();
    chat.stop();
    await sending;
    expect(stopped).toEqual(["s-1"]);
    expect(chat.state.messages[1]).toMatchObject({ content: "Some", status: "stopped", streamId: "s-1" });
  });

  test("an answer the server ends as stopped (stopped elsewhere) shows as stopped", async () => {
    const server = fakeServer([[delta("Cut"), { type: "finish", finishReason: "stopped" }, done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Q");
    expect(chat.state.messages[1]).toMatchObject({ content: "Cut", status: "stopped" });
  });

  test("an error keeps the partial answer, and retry re-asks and replaces it", async () => {
    const server = fakeServer([[delta("Half"), failed], [delta("Whole answer"), done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Question");
    expect(chat.state.messages[1]).toMatchObject({ content: "Half", status: "error", error: upstreamBroke });
    await chat.retry();
    expect(server.calls[1]).toEqual([{ role: "user", content: "Question" }]);
    expect(chat.state.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ["user", "Question", undefined],
      ["assistant", "Whole answer", "done"],
    ]);
  });

  test("a stream that ends without done or error is shown as a failure", async () => {
    const server = fakeServer([[delta("cut off")]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Q");
    expect(chat.state.messages[1]).toMatchObject({ content: "cut off", status: "error", error: { type: "connection_lost" } });
  });

  test("new chat during an answer forgets everything, and the late answer does not come back", async () => {
    const server = fakeServer([["hold", delta("late"), done]]);
    const persistence = memory();
    const chat = createChat({ stream: server.stream, persistence });
    const sending = chat.send("Q");
    await settle();
    chat.clear();
    await sending;
    expect(chat.state.messages).toEqual([]);
    expect(chat.state.streaming).toBe(false);
    expect(persistence.saved).toEqual([]);
  });

  test("the conversation is saved when an answer ends and restored by a new store", async () => {
    const server = fakeServer([[delta("Saved"), done]]);
    const persistence = memory();
    await createChat({ stream: server.stream, persistence }).send("Keep me");
    const again = createChat({ stream: server.stream, persistence: memory(persistence.saved) });
    expect(again.state.messages.map((m) => [m.role, m.content, m.status])).toEqual([
      ["user", "Keep me", undefined],
      ["assistant", "Saved", "done"],
    ]);
  });

  test("a streaming answer is saved along the way", async () => {
    const server = fakeServer([[delta("So far"), "hold", done]]);
    const persistence = memory();
    const chat = createChat({ stream: server.stream, persistence, saveEveryMs: 5 });
    const sending = chat.send("Q");
    await Bun.sleep(30);
    expect(persistence.saved?.[1]).toMatchObject({ content: "So far", status: "streaming" });
    server.release();
    await sending;
  });
});

describe("restore", () => {
  test("an answer saved mid-stream without its server id comes back as an interrupted, retryable failure", () => {
    const [user, answer] = restore([
      { id: "1", role: "user", content: "Q" },
      { id: "2", role: "assistant", content: "Half", status: "streaming" },
    ]);
    expect(user).toEqual({ id: "1", role: "user", content: "Q" });
    expect(answer).toMatchObject({ content: "Half", status: "error", error: { type: "interrupted" } });
  });

  test("an answer saved mid-stream with its server id stays streaming, with the last event id, to be re-attached", () => {
    const [, answer] = restore([
      { id: "1", role: "user", content: "Q" },
      { id: "2", role: "assistant", content: "Half", status: "streaming", streamId: "s-1", lastEventId: "7", reconnecting: true },
    ]);
    expect(answer).toEqual({ id: "2", parent: "1", role: "assistant", content: "Half", status: "streaming", streamId: "s-1", lastEventId: "7" });
  });

  test("only the last message can still be streaming", () => {
    const messages = restore([
      { id: "1", role: "assistant", content: "Old", status: "streaming", streamId: "s-1" },
      { id: "2", role: "assistant", content: "New", status: "streaming", streamId: "s-2" },
    ]);
    expect(messages.map((m) => m.status)).toEqual(["error", "streaming"]);
  });

  test("anything that is not a conversation is ignored", () => {
    expect(restore(undefined)).toEqual([]);
    expect(restore({ messages: [] })).toEqual([]);
    expect(restore([null, 3, { role: "system", content: "x" }, { role: "user", content: 5 }, { role: "user", content: "ok" }]))
      .toMatchObject([{ role: "user", content: "ok" }]);
  });
});

test("toWire leaves out answers that failed before any text", () => {
  const messages: Message[] = [
    { id: "1", role: "user", content: "Q" },
    { id: "2", role: "assistant", content: "", status: "error" },
    { id: "3", role: "user", content: "Q again" },
  ];
  expect(toWire(messages)).toEqual([
    { role: "user", content: "Q" },
    { role: "user", content: "Q again" },
  ]);
});
