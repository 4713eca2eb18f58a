import { describe, expect, test } from "bun:test";
import { createLiveChats } from "../../client/chat/live-chats.ts";
import type { ChatStreamEvent } from "../../client/chat/stream.ts";
import { type StreamFn, createChat } from "../../client/chat/store.ts";

/** Answers "slow…" and then waits, until released (or aborted). */
function slowServer() {
  let release = () => {};
  const aborted: string[] = [];
  const stream: StreamFn = async function* ({ messages, signal }) {
    yield { type: "delta", content: "slow" } as ChatStreamEvent;
    await new Promise<void>((resolve) => {
      release = resolve;
      signal.addEventListener("abort", () => (aborted.push(String(messages.at(-1)!.content)), resolve()), { once: true });
    });
    if (!signal.aborted) yield* [{ type: "delta", content: " and done" }, { type: "done" }] as ChatStreamEvent[];
  };
  return { stream, aborted, release: () => release() };
}

describe("chats of conversations not on screen", () => {
  test("an answer goes on arriving after its conversation is left, and is there on coming back", async () => {
    const server = slowServer();
    const chats = createLiveChats(() => createChat({ stream: server.stream }));
    const a = chats.open("a");
    const sending = a.send("Q");
    await Bun.sleep(0);
    const b = chats.open("b");
    expect(b).not.toBe(a);
    expect([chats.answering("a"), chats.answering("b")]).toEqual([true, false]);
    expect(chats.open("a")).toBe(a);
    chats.open("b");
    server.release();
    await sending;
    expect(server.aborted).toEqual([]);
    expect(chats.answering("a")).toBe(false);
    expect(a.state.messages.map((m) => m.content)).toEqual(["Q", "slow and done"]);
  });

  test("a conversation left with nothing arriving is let go: opening it again reads it anew", () => {
    const chats = createLiveChats(() => createChat());
    const a = chats.open("a");
    chats.open("b");
    expect(chats.open("a")).not.toBe(a);
  });

  test("deleting a conversation stops the answer arriving in it", async () => {
    const server = slowServer();
    const chats = createLiveChats(() => createChat({ stream: server.stream }));
    const sending = chats.open("a").send("Q");
    await Bun.sleep(0);
    chats.open("b");
    chats.remove("a");
    await sending;
    expect(server.aborted).toEqual(["Q"]);
    expect(chats.answering("a")).toBe(false);
  });
});
