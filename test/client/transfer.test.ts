import { describe, expect, test } from "bun:test";
import type { Conversation } from "../../client/chat/conversations.ts";
import { createChat, visiblePath } from "../../client/chat/store.ts";
import { ImportError, exportJSON, exportMarkdown, exportName, parseImport } from "../../client/chat/transfer.ts";

const conversation: Conversation = {
  id: "c1",
  createdAt: Date.UTC(2026, 0, 2),
  updatedAt: Date.UTC(2026, 0, 2),
  settings: { model: "gpt-fake", temperature: 0.3, system: "Be brief." },
  messages: [
    { id: "u1", role: "user", content: "What is SSE?" },
    { id: "a1", role: "assistant", content: "A **stream** of events.", status: "done", model: "gpt-fake", streamId: "s-1", lastEventId: "9", usage: { completion_tokens: 5 } as never },
    { id: "u2", role: "user", content: "Thanks" },
    { id: "a2", role: "assistant", content: "Half", status: "stopped", finishReason: "stopped" },
  ],
};

describe("export and import", () => {
  test("a JSON export imports back as the same messages and settings, without stream ids", () => {
    const text = exportJSON(conversation);
    expect(text).not.toContain("s-1");
    const back = parseImport(text);
    expect(back.messages.map(({ role, content, status }) => ({ role, content, status }))).toEqual(
      conversation.messages.map(({ role, content, status }) => ({ role, content, status })),
    );
    expect(back.messages[1]).toMatchObject({ model: "gpt-fake", usage: { completion_tokens: 5 } });
    expect(back.messages.some((m) => m.streamId || m.lastEventId)).toBe(false);
    expect(back.settings).toEqual(conversation.settings);
    expect(back.title).toBeUndefined(); // the first question already names it
    expect(parseImport(exportJSON({ ...conversation, title: "SSE notes" })).title).toBe("SSE notes");
  });

  test("an answer exported mid-stream imports as finished with what it had", () => {
    const streaming: Conversation = { ...conversation, messages: [conversation.messages[0]!, { id: "a", role: "assistant", content: "so far", status: "streaming", streamId: "s" }] };
    expect(parseImport(exportJSON(streaming)).messages[1]).toMatchObject({ content: "so far", status: "done" });
  });

  test("Markdown has the title and each message under who wrote it", () => {
    const md = exportMarkdown(conversation);
    expect(md.startsWith("# What is SSE?\n")).toBe(true);
    expect(md).toContain("**System:**\n\nBe brief.");
    expect(md).toContain("**You:**\n\nWhat is SSE?");
    expect(md).toContain("**Assistant (gpt-fake):**\n\nA **stream** of events.");
    expect(exportName(conversation, "md")).toBe("what-is-sse.md");
    expect(exportName({ ...conversation, title: "???" }, "json")).toBe("conversation.json");
  });

  test("a JSON export keeps every version and the one on screen; Markdown has only the one on screen", () => {
    const branched: Conversation = {
      ...conversation,
      messages: [
        { id: "q1", role: "user", content: "Old question" },
        { id: "a1", parent: "q1", role: "assistant", content: "Old answer", status: "done" },
        { id: "q2", role: "user", content: "New question" },
        { id: "a2", parent: "q2", role: "assistant", content: "New answer", status: "done" },
      ],
      leaf: "a2",
    };
    const back = parseImport(exportJSON(branched));
    expect(visiblePath(back.messages, back.leaf).map((m) => m.content)).toEqual(["New question", "New answer"]);
    expect(visiblePath(back.messages, "a1").map((m) => m.content)).toEqual(["Old question", "Old answer"]);
    const md = exportMarkdown(branched);
    expect(md).toContain("New answer");
    expect(md).not.toContain("Old");
  });

  test("a version 1 export (one line of messages) still imports as that line", () => {
    const v1 = { format: "bun-chat.conversation", version: 1, messages: [{ role: "user", content: "Q" }, { role: "assistant", content: "A" }] };
    const back = parseImport(JSON.stringify(v1));
    const chat = createChat({ persistence: { load: () => back, save: () => {} } });
    expect(chat.state.messages.map((m) => [m.role, m.content])).toEqual([["user", "Q"], ["assistant", "A"]]);
  });

  test("an answer's thinking goes out and comes back with it: in JSON as is, in Markdown folded before the answer", () => {
    const thinking: Conversation = {
      ...conversation,
      messages: [
        { id: "u1", role: "user", content: "2+2?" },
        { id: "a1", parent: "u1", role: "assistant", content: "**4**", reasoning: "Two and *two*.\n", reasoningMs: 1200, reasoningStartedAt: 5, refusal: true, status: "done" },
      ],
      leaf: "a1",
    };
    const back = parseImport(exportJSON(thinking));
    expect(back.messages[1]).toMatchObject({ content: "**4**", reasoning: "Two and *two*.\n", reasoningMs: 1200, refusal: true });
    expect(back.messages[1]!.reasoningStartedAt).toBeUndefined(); // a clock of this page, not of the answer
    expect(exportMarkdown(thinking)).toContain("**Assistant:**\n\n<details><summary>Thinking</summary>\n\nTwo and *two*.\n\n</details>\n\n**4**");
    // Answers without thinking export exactly as before.
    expect(exportJSON(conversation)).not.toContain("reasoning");
    expect(exportMarkdown(conversation)).not.toContain("<details>");
  });

  test("files that are not our exports are refused with a reason", () => {
    const reason = (text: string) => {
      try {
        parseImport(text);
        return "accepted";
      } catch (err) {
        expect(err).toBeInstanceOf(ImportError);
        return (err as Error).message;
      }
    };
    expect(reason("not json {")).toContain("not JSON");
    expect(reason(`{"messages": []}`)).toContain("not a conversation exported from this chat");
    expect(reason("null")).toContain("not a conversation exported from this chat");
    expect(reason(`{"format":"bun-chat.conversation","version":3,"messages":[]}`)).toContain("version 3");
    expect(reason(`{"format":"bun-chat.conversation","version":1,"messages":[]}`)).toContain("no messages");
    expect(reason(`{"format":"bun-chat.conversation","version":1,"messages":[{"role":"system","content":"x"}]}`)).toContain("Message 1");
    expect(reason(`{"format":"bun-chat.conversation","version":1,"messages":[{"role":"user","content":"ok"},{"role":"assistant"}]}`)).toContain("Message 2");
    // Settings out of range are dropped rather than sent.
    expect(parseImport(`{"format":"bun-chat.conversation","version":1,"settings":{"temperature":9},"messages":[{"role":"user","content":"ok"}]}`).settings).toEqual({});
  });
});
