import { describe, expect, test } from "bun:test";
import type { ChatStreamEvent, WireMessage } from "../../client/chat/stream.ts";
import { type Chat, type Message, type StreamFn, createChat, versionsOf } from "../../client/chat/store.ts";
import { memoryPersistence as memory } from "./memory-persistence.ts";

/** A stand-in for the server: call n answers `A<n>` (or plays its script); `hold` waits until released. */
function fakeServer(scripts: Record<number, Array<ChatStreamEvent | "hold">> = {}) {
  const calls: WireMessage[][] = [];
  let release = () => {};
  const stream: StreamFn = async function* ({ messages }) {
    calls.push(messages);
    const n = calls.length;
    for (const step of scripts[n] ?? [{ type: "delta", content: `A${n}` }, { type: "done" }]) {
      if (step === "hold") await new Promise<void>((resolve) => (release = resolve));
      else yield step as ChatStreamEvent;
    }
  };
  return { stream, calls, release: () => release() };
}

const shown = (chat: Chat) => chat.state.messages.map((m) => m.content);
/** "2/3" for the message on screen at `index`, as the version switch shows it. */
const version = (chat: Chat, index: number) => {
  const m = chat.state.messages[index]!;
  const ids = versionsOf(chat.state.all, m).map((v) => v.id);
  return `${ids.indexOf(m.id) + 1}/${ids.length}`;
};
/** Shows the version `by` steps away from the one on screen at `index`, as ‹ and › do. */
const step = (chat: Chat, index: number, by: number) => {
  const m = chat.state.messages[index]!;
  const ids = versionsOf(chat.state.all, m).map((v) => v.id);
  chat.select(ids[ids.indexOf(m.id) + by]!);
};

describe("versions of a conversation", () => {
  test("editing a question keeps the old one and what followed it as the previous version", async () => {
    const server = fakeServer();
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    await chat.send("Q2");
    await chat.edit(chat.state.messages[0]!.id, "Q1 edited");
    expect(shown(chat)).toEqual(["Q1 edited", "A3"]);
    expect(version(chat, 0)).toBe("2/2");
    expect(version(chat, 1)).toBe("1/1");

    step(chat, 0, -1);
    expect(shown(chat)).toEqual(["Q1", "A1", "Q2", "A2"]);
    expect(version(chat, 0)).toBe("1/2");
    step(chat, 0, 1);
    expect(shown(chat)).toEqual(["Q1 edited", "A3"]);
  });

  test("an edit deep in the conversation branches there; the messages above it are shared", async () => {
    const chat = createChat({ stream: fakeServer().stream });
    await chat.send("Q1");
    await chat.send("Q2");
    await chat.edit(chat.state.messages[2]!.id, "Q2 edited");
    expect(shown(chat)).toEqual(["Q1", "A1", "Q2 edited", "A3"]);
    expect([version(chat, 0), version(chat, 2)]).toEqual(["1/1", "2/2"]);
  });

  test("regenerate adds a version of the answer; the previous one can be shown again", async () => {
    const chat = createChat({ stream: fakeServer().stream });
    await chat.send("Q1");
    await chat.retry();
    expect(shown(chat)).toEqual(["Q1", "A2"]);
    expect(version(chat, 1)).toBe("2/2");
    step(chat, 1, -1);
    expect(shown(chat)).toEqual(["Q1", "A1"]);
    await chat.retry();
    expect(shown(chat)).toEqual(["Q1", "A3"]);
    expect(version(chat, 1)).toBe("3/3");
  });

  test("the next request sends only the conversation on screen", async () => {
    const server = fakeServer();
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    await chat.send("Q2");
    await chat.edit(chat.state.messages[0]!.id, "Q1 edited");
    step(chat, 0, -1);
    await chat.send("Q3");
    expect(server.calls.at(-1)).toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
      { role: "assistant", content: "A2" },
      { role: "user", content: "Q3" },
    ]);
    step(chat, 0, 1);
    await chat.send("Q4");
    expect(server.calls.at(-1)).toEqual([
      { role: "user", content: "Q1 edited" },
      { role: "assistant", content: "A3" },
      { role: "user", content: "Q4" },
    ]);
  });

  test("switching back shows the newest path below the version chosen", async () => {
    const chat = createChat({ stream: fakeServer().stream });
    await chat.send("Q1");
    await chat.send("Q2");
    await chat.retry();
    await chat.edit(chat.state.messages[0]!.id, "Q1 edited");
    step(chat, 0, -1);
    expect(shown(chat)).toEqual(["Q1", "A1", "Q2", "A3"]);
  });

  test("versions cannot be switched while an answer streams", async () => {
    const server = fakeServer({ 2: [{ type: "delta", content: "slow" }, "hold", { type: "done" }] });
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    const regenerating = chat.retry();
    await Bun.sleep(0);
    step(chat, 1, -1);
    expect(shown(chat)).toEqual(["Q1", "slow"]);
    server.release();
    await regenerating;
    step(chat, 1, -1);
    expect(shown(chat)).toEqual(["Q1", "A1"]);
  });

  test("every version and the one on screen survive a reload", async () => {
    const persistence = memory();
    const chat = createChat({ stream: fakeServer().stream, persistence });
    await chat.send("Q1");
    await chat.send("Q2");
    await chat.edit(chat.state.messages[0]!.id, "Q1 edited");
    step(chat, 0, -1);
    const again = createChat({ persistence: memory(persistence.snapshot()) });
    expect(shown(again)).toEqual(["Q1", "A1", "Q2", "A2"]);
    expect(version(again, 0)).toBe("1/2");
    step(again, 0, 1);
    expect(shown(again)).toEqual(["Q1 edited", "A3"]);
  });

  test("a conversation saved before versions existed (one line, no leaf) loads unchanged and can branch", async () => {
    const old: Message[] = [
      { id: "1", role: "user", content: "Q1" },
      { id: "2", role: "assistant", content: "A1", status: "done" },
      { id: "3", role: "user", content: "Q2" },
      { id: "4", role: "assistant", content: "A2", status: "done" },
    ];
    for (const saved of [old, { messages: old, settings: { temperature: 0.5 } }]) {
      const server = fakeServer();
      const chat = createChat({ stream: server.stream, persistence: memory(saved) });
      expect(shown(chat)).toEqual(["Q1", "A1", "Q2", "A2"]);
      expect([0, 1, 2, 3].map((i) => version(chat, i))).toEqual(["1/1", "1/1", "1/1", "1/1"]);
      await chat.edit("3", "Q2 edited");
      expect(server.calls[0]!.map((m) => m.content)).toEqual(["Q1", "A1", "Q2 edited"]);
      step(chat, 2, -1);
      expect(shown(chat)).toEqual(["Q1", "A1", "Q2", "A2"]);
    }
  });

  test("New chat forgets every version", async () => {
    const persistence = memory();
    const chat = createChat({ stream: fakeServer().stream, persistence });
    await chat.send("Q1");
    await chat.retry();
    chat.clear();
    expect(chat.state.all).toEqual([]);
    expect(persistence.saved).toEqual([]);
  });
});
