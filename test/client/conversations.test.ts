import { describe, expect, test } from "bun:test";
import {
  type Conversation,
  type ConversationStorage,
  createConversationList,
  searchConversations,
  titleOf,
} from "../../client/chat/conversations.ts";
import { createChat } from "../../client/chat/store.ts";
import { memoryStorage } from "./memory-persistence.ts";

const settle = () => new Promise((r) => setTimeout(r, 0));

function clock() {
  let t = 1000;
  return () => (t += 10);
}

describe("the conversation list", () => {
  test("a new conversation is listed first and titled by its first question, trimmed", async () => {
    const { storage, map } = memoryStorage();
    const list = createConversationList({ storage, now: clock() });
    await list.load();
    const a = list.create();
    const b = list.create();
    expect(list.state.items.map((c) => c.id)).toEqual([b.id, a.id]);
    expect(titleOf(list.get(a.id)!)).toBe("New chat");

    list.persistence(a.id).save({ messages: [{ id: "1", role: "user", content: "  What is   SSE?\n " }] });
    expect(titleOf(list.get(a.id)!)).toBe("What is SSE?");
    expect(list.state.items[0]!.id).toBe(a.id); // written to last, so newest
    await settle();
    expect(map.get(a.id)!.messages[0]!.content).toBe("  What is   SSE?\n ");
  });

  test("rename sets a title, an empty rename goes back to the first question, and both are kept", async () => {
    const { storage, map } = memoryStorage();
    const list = createConversationList({ storage });
    const c = list.add({ messages: [{ id: "1", role: "user", content: "Hello" }], settings: {} });
    list.rename(c.id, "  Greetings ");
    expect(titleOf(list.get(c.id)!)).toBe("Greetings");
    await settle();
    expect(map.get(c.id)!.title).toBe("Greetings");
    list.rename(c.id, "   ");
    expect(titleOf(list.get(c.id)!)).toBe("Hello");
  });

  test("delete removes it from the list and from storage; a late save of a deleted one is ignored", async () => {
    const { storage, map } = memoryStorage();
    const list = createConversationList({ storage });
    const c = list.create();
    await settle();
    expect(map.has(c.id)).toBe(true);
    list.remove(c.id);
    list.persistence(c.id).save({ messages: [{ id: "1", role: "user", content: "late" }] });
    await settle();
    expect(list.state.items).toEqual([]);
    expect(map.has(c.id)).toBe(false);
  });

  test("a conversation's versions and the one on screen are kept", async () => {
    const { storage, map } = memoryStorage();
    const list = createConversationList({ storage, now: clock() });
    await list.load();
    const c = list.create();
    const chat = createChat({ persistence: list.persistence(c.id), stream: async function* () { yield { type: "done" }; } });
    await chat.send("First");
    await chat.edit(chat.state.messages[0]!.id, "Second");
    await settle();
    const reloaded = createConversationList({ storage, now: clock() });
    await reloaded.load();
    const again = createChat({ persistence: reloaded.persistence(c.id) });
    expect(again.state.messages.map((m) => m.content)).toEqual(["Second", ""]);
    expect(again.state.all.filter((m) => m.role === "user").map((m) => m.content)).toEqual(["First", "Second"]);
    expect(map.get(c.id)!.leaf).toBe(again.state.leaf);
  });

  test("conversations come back from storage newest first, each with its own messages and settings", async () => {
    const { storage } = memoryStorage();
    const first = createConversationList({ storage, now: clock() });
    const a = first.create();
    const b = first.create();
    first.persistence(a.id).save({ messages: [{ id: "1", role: "user", content: "alpha" }], settings: { temperature: 0.2 } });
    first.persistence(b.id).save({ messages: [{ id: "2", role: "user", content: "beta" }] });
    await settle();

    const again = createConversationList({ storage });
    await again.load();
    expect(again.state.items.map(titleOf)).toEqual(["beta", "alpha"]);
    const chat = createChat({ persistence: again.persistence(a.id) });
    expect(chat.state.messages.map((m) => m.content)).toEqual(["alpha"]);
    expect(chat.state.settings).toEqual({ temperature: 0.2 });
  });

  test("the single localStorage conversation of earlier versions becomes the newest one, streaming answer included", async () => {
    const { storage, map } = memoryStorage();
    let legacy: unknown = {
      messages: [
        { id: "u", role: "user", content: "old question" },
        { id: "a", role: "assistant", content: "half", status: "streaming", streamId: "s-1", lastEventId: "4" },
      ],
      settings: { model: "m" },
    };
    const list = createConversationList({ storage, legacy: { load: () => legacy, forget: () => (legacy = undefined) } });
    await list.load();
    expect(legacy).toBeUndefined();
    expect(list.state.items.map(titleOf)).toEqual(["old question"]);
    expect([...map.values()][0]!.messages[1]).toMatchObject({ streamId: "s-1", lastEventId: "4" });

    // The chat store picks the streaming answer up to re-attach, as it did from localStorage.
    const chat = createChat({ persistence: list.persistence(list.state.items[0]!.id) });
    expect(chat.state.streaming).toBe(true);
    expect(chat.state.messages[1]).toMatchObject({ status: "streaming", streamId: "s-1", lastEventId: "4" });
    expect(chat.state.settings).toEqual({ model: "m" });

    // Loaded again: nothing is migrated twice.
    await list.load();
    expect(list.state.items.length).toBe(1);
  });

  test("storage that refuses to open leaves an empty list that still works", async () => {
    const list = createConversationList({
      storage: { all: () => Promise.reject(new Error("blocked")), put: () => Promise.reject(new Error("blocked")), remove: async () => {} },
    });
    await list.load();
    const c = list.create();
    list.persistence(c.id).save({ messages: [{ id: "1", role: "user", content: "still here" }] });
    await settle();
    expect(titleOf(list.state.items[0]!)).toBe("still here");
  });
});

describe("several tabs", () => {
  let n = 0;
  /** Two lists on one storage, as two tabs of the page, each with its own channel of the same name. */
  async function twoTabs(busyInB: (id: string) => boolean = () => false) {
    const name = `chat-conversations-test-${n++}`;
    const { storage } = memoryStorage();
    const changed: string[] = [];
    const a = createConversationList({ storage, now: clock(), channel: new BroadcastChannel(name) });
    const b = createConversationList({
      storage,
      now: clock(),
      channel: new BroadcastChannel(name),
      busy: busyInB,
      onRemote: (id) => changed.push(id),
    });
    await Promise.all([a.load(), b.load()]);
    return { a, b, changed };
  }
  const delivered = () => Bun.sleep(20);

  test("a conversation created, saved, renamed or deleted in one tab is so in the other, which is told which", async () => {
    const { a, b, changed } = await twoTabs();
    const c = a.create();
    a.persistence(c.id).save({ messages: [{ id: "1", role: "user", content: "From A" }], leaf: "1" });
    await delivered();
    expect(b.state.items.map((x) => titleOf(x))).toEqual(["From A"]);
    expect(b.get(c.id)!.leaf).toBe("1");

    a.rename(c.id, "Renamed in A");
    await delivered();
    expect(titleOf(b.get(c.id)!)).toBe("Renamed in A");

    a.remove(c.id);
    await delivered();
    expect(b.state.items).toEqual([]);
    expect(changed.at(-1)).toBe(c.id);
    expect(new Set(changed)).toEqual(new Set([c.id]));
  });

  test("a conversation answering in this tab is not overwritten by another tab's copy", async () => {
    let answering = false;
    const { a, b } = await twoTabs(() => answering);
    const c = a.create();
    await delivered();
    answering = true;
    b.persistence(c.id).save({ messages: [{ id: "1", role: "user", content: "Streaming in B" }], leaf: "1" });
    a.persistence(c.id).save({ messages: [{ id: "1", role: "user", content: "Stale in A" }], leaf: "1" });
    await delivered();
    expect(titleOf(b.get(c.id)!)).toBe("Streaming in B");
    answering = false;
    a.rename(c.id, "Later");
    await delivered();
    expect(titleOf(b.get(c.id)!)).toBe("Later");
  });
});

describe("searching conversations", () => {
  const at = (id: string, title: string | undefined, ...texts: string[]): Conversation => ({
    id,
    title,
    createdAt: 0,
    updatedAt: 0,
    settings: {},
    messages: texts.map((content, i) => ({ id: `${id}${i}`, role: i % 2 ? "assistant" : "user", content })),
  });
  const items = [at("a", undefined, "How do SSE streams work?", "They use text/event-stream."), at("b", "Recipes", "Pancakes please", "Flour, eggs, MILK")];

  test("matches titles and message text, case-insensitively, every word", () => {
    expect(searchConversations(items, "sse").map((c) => c.id)).toEqual(["a"]);
    expect(searchConversations(items, "recipes").map((c) => c.id)).toEqual(["b"]);
    expect(searchConversations(items, "milk eggs").map((c) => c.id)).toEqual(["b"]);
    expect(searchConversations(items, "milk sse").map((c) => c.id)).toEqual([]);
    expect(searchConversations(items, "  ").map((c) => c.id)).toEqual(["a", "b"]);
  });

  test("text in a version not on screen is found too; the title comes from the version on screen", () => {
    const c: Conversation = {
      ...at("c", undefined),
      messages: [
        { id: "q1", role: "user", content: "Old question about kites" },
        { id: "a1", parent: "q1", role: "assistant", content: "Kites fly." },
        { id: "q2", role: "user", content: "New question about boats" },
      ],
      leaf: "q2",
    };
    expect(searchConversations([c], "kites").map((x) => x.id)).toEqual(["c"]);
    expect(titleOf(c)).toBe("New question about boats");
  });
});
