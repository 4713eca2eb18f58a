import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { AnswerStart, AnswerUpdate, HistoryStore } from "../../src/history/store.ts";

/**
 * What every history store must do, whatever keeps it (SQLite now, Postgres next): run with
 * `describeHistoryStore("sqlite", () => …)`. Each test gets a fresh, empty store.
 */
export function describeHistoryStore(name: string, open: () => Promise<HistoryStore>) {
  describe(`history store (${name})`, () => {
    let store: HistoryStore;
    let clock = 1_000_000;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    const start = (o: Partial<AnswerStart> & { messages?: AnswerStart["messages"] } = {}): AnswerStart => ({
      owner: "alice",
      conversationId: crypto.randomUUID(),
      messages: [{ role: "user", content: "Why is the sky blue?" }],
      settings: { model: "m1" },
      answerId: crypto.randomUUID(),
      streamId: crypto.randomUUID(),
      at: ++clock,
      ...o,
    });
    const update = (s: AnswerStart, o: Partial<AnswerUpdate> = {}): AnswerUpdate => ({
      owner: s.owner,
      conversationId: s.conversationId,
      answerId: s.answerId,
      content: "Rayleigh",
      reasoning: "",
      status: "streaming",
      meta: {},
      at: ++clock,
      ...o,
    });

    test("an answer's start saves the conversation, the question and a streaming answer with its stream id", async () => {
      const s = start();
      expect(await store.startAnswer(s)).toBe(true);
      const c = (await store.get("alice", s.conversationId))!;
      expect(c.leaf).toBe(s.answerId);
      expect(c.settings).toEqual({ model: "m1" });
      expect(c.messages).toEqual([
        { id: expect.any(String), role: "user", content: "Why is the sky blue?" },
        { id: s.answerId, parent: c.messages[0]!.id, role: "assistant", content: "", status: "streaming", streamId: s.streamId },
      ]);
    });

    test("saving an answer keeps its whole text, reasoning and finish; the stream id goes once it is done", async () => {
      const s = start();
      await store.startAnswer(s);
      await store.saveAnswers([update(s, { content: "Ray" })]);
      expect((await store.get("alice", s.conversationId))!.messages[1]).toMatchObject({ content: "Ray", status: "streaming", streamId: s.streamId });
      const meta = { finishReason: "stop", model: "m1-2025", usage: { total_tokens: 9 }, reasoningMs: 12, refusal: true };
      await store.saveAnswers([update(s, { content: "Rayleigh scattering.", reasoning: "Think", status: "done", meta })]);
      const answer = (await store.get("alice", s.conversationId))!.messages[1]!;
      expect(answer).toEqual({
        id: s.answerId,
        parent: expect.any(String),
        role: "assistant",
        content: "Rayleigh scattering.",
        reasoning: "Think",
        status: "done",
        ...meta,
      });
    });

    test("several answers are saved in one call", async () => {
      const a = start();
      const b = start({ owner: "bob" });
      await store.startAnswer(a);
      await store.startAnswer(b);
      await store.saveAnswers([
        update(a, { content: "A" }),
        update(b, { content: "B", status: "error", meta: { error: { message: "x", type: "upstream_error", status: 502 } } }),
      ]);
      expect((await store.get("alice", a.conversationId))!.messages[1]!.content).toBe("A");
      expect((await store.get("bob", b.conversationId))!.messages[1]).toMatchObject({
        content: "B",
        status: "error",
        error: { type: "upstream_error" },
      });
    });

    test("continuing adds only the new question; a regenerate adds another version of the answer; an edit a sibling question", async () => {
      const first = start();
      await store.startAnswer(first);
      await store.saveAnswers([update(first, { content: "Rayleigh.", status: "done" })]);
      const asked = [
        { role: "user" as const, content: "Why is the sky blue?" },
        { role: "assistant" as const, content: "Rayleigh." },
        { role: "user" as const, content: "And sunsets?" },
      ];
      const next = start({ conversationId: first.conversationId, messages: asked });
      await store.startAnswer(next);
      let c = (await store.get("alice", first.conversationId))!;
      expect(c.messages.map((m) => [m.role, m.content])).toEqual([
        ["user", "Why is the sky blue?"],
        ["assistant", "Rayleigh."],
        ["user", "And sunsets?"],
        ["assistant", ""],
      ]);
      expect(c.messages[2]!.parent).toBe(first.answerId);
      const again = start({ conversationId: first.conversationId, messages: asked });
      await store.startAnswer(again);
      c = (await store.get("alice", first.conversationId))!;
      expect(c.messages.length).toBe(5);
      expect(c.messages[4]!.parent).toBe(c.messages[2]!.id);
      expect(c.leaf).toBe(again.answerId);
      const edited = start({ conversationId: first.conversationId, messages: [{ role: "user", content: "Why is the sea blue?" }] });
      await store.startAnswer(edited);
      c = (await store.get("alice", first.conversationId))!;
      expect(c.messages[5]).toMatchObject({ role: "user", content: "Why is the sea blue?" });
      expect(c.messages[5]!.parent).toBeUndefined();
    });

    test("another owner can never read, rename, delete, list, continue or save into a conversation: the same id is theirs apart", async () => {
      const s = start();
      await store.startAnswer(s);
      const id = s.conversationId;
      expect(await store.get("bob", id)).toBeUndefined();
      expect(await store.rename("bob", id, "mine now")).toBe(false);
      expect(await store.remove("bob", id)).toBe(false);
      expect((await store.list("bob", { limit: 50 })).items).toEqual([]);
      await store.saveAnswers([{ ...update(s, { content: "overwritten" }), owner: "bob" }]);
      await store.put("bob", { id, createdAt: 1, updatedAt: 2, settings: {}, messages: [], removed: [s.answerId] });
      // Bob naming the same id gets a conversation of his own; alice's is untouched.
      const bobs = start({ owner: "bob", conversationId: id, messages: [{ role: "user", content: "Bob's question" }] });
      expect(await store.startAnswer(bobs)).toBe(true);
      expect((await store.get("bob", id))!.messages.map((m) => m.content)).toEqual(["Bob's question", ""]);
      const c = (await store.get("alice", id))!;
      expect(c.title).toBeUndefined();
      expect(c.messages.map((m) => m.content)).toEqual(["Why is the sky blue?", ""]);
      expect(c.messages[1]!.id).toBe(s.answerId);
    });

    test("the list is newest first, paged without gaps or repeats, titled as the page titles it", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const s = start({ messages: [{ role: "user", content: `question ${i}` }] });
        await store.startAnswer(s);
        ids.push(s.conversationId);
      }
      await store.rename("alice", ids[3]!, "Named");
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list("alice", { limit: 3, cursor });
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((c) => c.id));
        cursor = page.next;
      } while (cursor);
      // The rename touched #3 last.
      expect(seen).toEqual([ids[3]!, ids[6]!, ids[5]!, ids[4]!, ids[2]!, ids[1]!, ids[0]!]);
      const all = await store.list("alice", { limit: 50 });
      expect(all.items[0]).toMatchObject({ title: "Named", streaming: true });
      expect(all.items[1]!.title).toBe("question 6");
      expect(all.next).toBeUndefined();
    });

    test("search matches every word in the title or any message, case-insensitively, and % _ \\ literally", async () => {
      const mk = async (q: string, answer: string) => {
        const s = start({ messages: [{ role: "user", content: q }] });
        await store.startAnswer(s);
        await store.saveAnswers([update(s, { content: answer, status: "done" })]);
        return s.conversationId;
      };
      const sky = await mk("Why is the SKY blue?", "Rayleigh scattering");
      const pct = await mk("What is 100% of x_y?", "all of it");
      await mk("Unrelated", "nothing");
      const ids = async (search: string) => (await store.list("alice", { limit: 50, search })).items.map((c) => c.id);
      expect(await ids("sky")).toEqual([sky]);
      expect(await ids("rayleigh blue")).toEqual([sky]);
      expect(await ids("rayleigh unrelated")).toEqual([]);
      expect(await ids("100%")).toEqual([pct]);
      expect(await ids("x_y")).toEqual([pct]);
      expect(await ids("%")).toEqual([pct]);
      expect(await ids("_")).toEqual([pct]);
      await store.rename("alice", sky, "Colours");
      expect(await ids("colours")).toEqual([sky]);
      expect(await store.list("bob", { limit: 50, search: "sky" })).toEqual({ items: [], next: undefined });
    });

    test("after the page removed a message, a new answer is still the newest in the conversation's order", async () => {
      const s = start({ answerId: "a1", messages: [{ role: "user", content: "q1", id: "q1" }] });
      await store.startAnswer(s);
      await store.saveAnswers([update(s, { status: "error" })]);
      const c = s.conversationId;
      const follow = start({
        conversationId: c,
        answerId: "a2",
        messages: [
          { role: "user", content: "q1", id: "q1" },
          { role: "assistant", content: "", id: "a1" },
          { role: "user", content: "q2", id: "q2" },
        ],
      });
      await store.startAnswer(follow);
      await store.put("alice", { id: c, createdAt: 1, updatedAt: 2, settings: {}, messages: [], removed: ["a1"] });
      for (const id of ["a3", "a4", "a5"]) {
        await store.startAnswer(start({ conversationId: c, answerId: id, messages: [{ role: "user", content: "q1", id: "q1" }, { role: "user", content: "q2", id: "q2" }] }));
      }
      expect((await store.get("alice", c))!.messages.map((m) => m.id)).toEqual(["q1", "q2", "a2", "a3", "a4", "a5"]);
    });

    test("an imported conversation is saved whole, every version and its leaf", async () => {
      const saved = await store.insert("alice", {
        id: "imported-1",
        title: "From a file",
        settings: { temperature: 0.5 },
        leaf: "a2",
        createdAt: 5,
        messages: [
          { id: "q1", role: "user", content: "Hi" },
          { id: "a1", parent: "q1", role: "assistant", content: "Hello", status: "done" },
          { id: "a2", parent: "q1", role: "assistant", content: "Hey", status: "stopped", model: "m" },
        ],
      });
      expect(saved.createdAt).toBe(5);
      const c = (await store.get("alice", "imported-1"))!;
      expect(c).toMatchObject({ title: "From a file", settings: { temperature: 0.5 }, leaf: "a2", createdAt: 5 });
      expect(c.messages.map((m) => [m.id, m.parent, m.status])).toEqual([
        ["q1", undefined, undefined],
        ["a1", "q1", "done"],
        ["a2", "q1", "stopped"],
      ]);
      expect(await store.get("bob", "imported-1")).toBeUndefined();
    });

    test("rename sets and clears the title; delete removes the conversation and its messages", async () => {
      const s = start();
      await store.startAnswer(s);
      expect(await store.rename("alice", s.conversationId, "T")).toBe(true);
      expect((await store.get("alice", s.conversationId))!.title).toBe("T");
      expect(await store.rename("alice", s.conversationId, undefined)).toBe(true);
      expect((await store.list("alice", { limit: 5 })).items[0]!.title).toBe("Why is the sky blue?");
      expect(await store.remove("alice", s.conversationId)).toBe(true);
      expect(await store.get("alice", s.conversationId)).toBeUndefined();
      expect(await store.remove("alice", s.conversationId)).toBe(false);
      // The same id can start afresh: nothing of the old one is left behind.
      await store.startAnswer(start({ conversationId: s.conversationId }));
      expect((await store.get("alice", s.conversationId))!.messages.length).toBe(2);
    });
  });
}
