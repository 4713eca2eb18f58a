import { describe, expect, test } from "bun:test";
import { dropLargestAttachment } from "../../client/chat/attachment-drop.ts";
import { type Attachment, fileText, restoreAttachments, toContent } from "../../client/chat/attachments.ts";
import { type Conversation, type ConversationStorage, createConversationList } from "../../client/chat/conversations.ts";
import { type Message, restore, toWire } from "../../client/chat/store.ts";

const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const image = (name: string, data = PNG): Attachment => ({ id: name, name, kind: "image", mime: "image/png", data });
const file = (name: string, data: string): Attachment => ({ id: name, name, kind: "text", mime: "text/plain", data });

describe("a message with files, as the server receives it", () => {
  test("without files the content is the seed's string, unchanged", () => {
    expect(toWire([{ id: "1", role: "user", content: "Hi" }])).toEqual([{ role: "user", content: "Hi" }]);
  });

  test("with files: its text, then a text part naming each text file in a fence, and an image_url part per image", () => {
    const m: Message = { id: "1", role: "user", content: "What is wrong?", attachments: [image("shot.png"), file("a.ts", "const a = 1;\n")] };
    expect(toWire([m])).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is wrong?" },
          { type: "image_url", image_url: { url: PNG } },
          { type: "text", text: "File: a.ts\n```ts\nconst a = 1;\n```" },
        ],
      },
    ]);
  });

  test("a message of files only is sent; a file's backticks cannot close its fence", () => {
    expect(toWire([{ id: "1", role: "user", content: "", attachments: [image("x.png")] }])).toEqual([
      { role: "user", content: [{ type: "image_url", image_url: { url: PNG } }] },
    ]);
    expect(fileText({ name: "README.md", data: "```js\nx\n```" })).toBe("File: README.md\n````md\n```js\nx\n```\n````");
  });

  test("a file the storage could not keep is left out; none left: the string again", () => {
    expect(toContent("Hi", [{ ...image("x.png"), data: "", dropped: true }])).toBe("Hi");
  });
});

describe("files in saved conversations", () => {
  test("restore keeps well-formed attachments on user messages only, and drops forged ones", () => {
    const saved = [
      { id: "1", role: "user", content: "see", attachments: [image("ok.png"), { name: "evil", kind: "image", data: "javascript:alert(1)" }, { name: "gone.png", kind: "image", data: "", dropped: true }] },
      { id: "2", role: "assistant", content: "ok", attachments: [image("no.png")] },
    ];
    const [user, answer] = restore(saved);
    expect(user!.attachments!.map((a) => a.name)).toEqual(["ok.png", "gone.png"]);
    expect(user!.attachments![1]!.dropped).toBe(true);
    expect(answer!.attachments).toBeUndefined();
    expect(restoreAttachments("nope")).toBeUndefined();
  });

  test("dropping for a full storage takes the largest file still kept, keeps its name, and changes nothing else", () => {
    const messages: Message[] = [
      { id: "1", role: "user", content: "a", attachments: [file("small.txt", "x"), image("big.png", PNG + "A".repeat(100))] },
      { id: "2", role: "assistant", content: "b" },
    ];
    const first = dropLargestAttachment(messages)!;
    expect(first.dropped).toBe("big.png");
    expect(first.messages[0]!.attachments![1]).toEqual({ ...image("big.png", ""), dropped: true });
    expect(first.messages[0]!.attachments![0]).toEqual(file("small.txt", "x"));
    expect(first.messages[1]).toBe(messages[1]!);
    expect(messages[0]!.attachments![1]!.data).not.toBe("");
    const second = dropLargestAttachment(first.messages)!;
    expect(second.dropped).toBe("small.txt");
    expect(dropLargestAttachment(second.messages)).toBeUndefined();
  });

  test("a QuotaExceededError never erases history: the conversation is saved without the oversize file, and the page is told", async () => {
    const map = new Map<string, Conversation>();
    const LIMIT = 2000;
    const storage: ConversationStorage = {
      all: async () => [...map.values()].map((c) => structuredClone(c)),
      put: async (c) => {
        if (JSON.stringify(c).length > LIMIT) throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        map.set(c.id, structuredClone(c));
      },
      remove: async (id) => void map.delete(id),
    };
    const told: { id: string; names: string[] }[] = [];
    const list = createConversationList({ storage, onDropped: (id, names) => told.push({ id, names }) });
    await list.load();
    const c = list.create();
    list.persistence(c.id).save({ messages: [{ id: "1", role: "user", content: "first question" }, { id: "2", role: "assistant", content: "first answer", status: "done" }] });
    await new Promise((r) => setTimeout(r, 0));
    expect(map.get(c.id)!.messages.length).toBe(2);

    const big = image("huge.png", PNG + "A".repeat(5000));
    list.persistence(c.id).save({
      messages: [
        { id: "1", role: "user", content: "first question" },
        { id: "2", role: "assistant", content: "first answer", status: "done" },
        { id: "3", role: "user", content: "and this?", attachments: [big, file("notes.txt", "short")] },
      ],
    });
    for (let i = 0; i < 10 && told.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(told).toEqual([{ id: c.id, names: ["huge.png"] }]);
    const kept = map.get(c.id)!;
    expect(kept.messages.map((m) => m.content)).toEqual(["first question", "first answer", "and this?"]);
    expect(kept.messages[2]!.attachments).toEqual([{ ...image("huge.png", ""), dropped: true }, file("notes.txt", "short")]);

    // Any other failure (storage blocked) still leaves the last good copy alone.
    storage.put = async () => {
      throw new DOMException("blocked", "InvalidStateError");
    };
    list.persistence(c.id).save({ messages: [] });
    await new Promise((r) => setTimeout(r, 5));
    expect(map.get(c.id)!.messages.length).toBe(3);
  });
});

describe("exports", () => {
  test("JSON keeps the files and imports them back; Markdown names them", async () => {
    const { exportJSON, exportMarkdown, parseImport } = await import("../../client/chat/transfer.ts");
    const c: Conversation = {
      id: "c",
      createdAt: 0,
      updatedAt: 0,
      settings: {},
      leaf: "2",
      messages: [
        { id: "1", role: "user", content: "look", attachments: [image("shot.png"), { ...file("gone.txt", ""), dropped: true }] },
        { id: "2", parent: "1", role: "assistant", content: "a pixel", status: "done" },
      ],
    };
    const back = parseImport(exportJSON(c));
    expect(back.messages[0]!.attachments).toEqual(c.messages[0]!.attachments!);
    expect(exportMarkdown(c)).toContain("look\n\n📎 shot.png  \n📎 gone.txt (not kept)");
  });
});
