import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { type Conversation, createConversationList } from "../../client/chat/conversations.ts";
import { startServerSync } from "../../client/chat/server-sync.ts";
import { type ChatServer, startChat } from "../support/chat-server.ts";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai.ts";
import { api, dataDir } from "../history/support.ts";
import { memoryStorage } from "./memory-persistence.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
let off: ChatServer;
const dir = dataDir();

beforeAll(async () => {
  fake = startFakeOpenAI();
  const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL };
  [chat, off] = await Promise.all([startChat({ env: { ...env, CHAT_HISTORY: "on", CHAT_DATA_DIR: dir } }), startChat({ env })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([chat.stop(), off.stop()]);
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

const uid = () => `c-${crypto.randomUUID()}`;
/** A conversation as a browser keeps it, with one question and its answer. */
const local = (o: Partial<Conversation> = {}): Conversation => {
  const q = uid();
  return {
    id: uid(),
    createdAt: 1_000,
    updatedAt: 2_000,
    settings: {},
    leaf: `${q}-a`,
    messages: [
      { id: q, role: "user", content: `Question ${q}` },
      { id: `${q}-a`, parent: q, role: "assistant", content: "Answer", status: "done" },
    ],
    ...o,
  };
};

/** A page: its list (over `stored`), the server sync, and a record of what it asked the server. */
async function page(server: ChatServer | { url: string }, stored: Conversation[] = [], o: { asked?: boolean; choose?: boolean; retryMs?: number[] } = {}) {
  const calls: string[] = [];
  const remote: string[] = [];
  let offered: number | undefined;
  let asked = o.asked ?? false;
  const list = createConversationList({ storage: memoryStorage(stored).storage });
  await list.load();
  const sync = await startServerSync({
    list,
    token: () => undefined,
    busy: () => false,
    onRemote: (id) => remote.push(id),
    onOffer: (count, choose) => {
      offered = count;
      if (o.choose !== undefined) choose(o.choose);
    },
    asked: { get: () => asked, set: () => void (asked = true) },
    retryMs: o.retryMs ?? [50],
    fetch: ((path: string, init?: RequestInit) => {
      calls.push(`${init?.method ?? "GET"} ${path}`);
      return fetch(`${server.url}${path}`, init);
    }) as typeof fetch,
  });
  return { list, sync, calls, remote, offered: () => offered, asked: () => asked };
}

const until = async (check: () => boolean | undefined, ms = 5000) => {
  const end = performance.now() + ms;
  while (!check() && performance.now() < end) await Bun.sleep(10);
  expect(check()).toBeTruthy();
};
const server = () => api(chat.url, undefined);

describe("the page's copy of the server's history (client/chat/server-sync.ts)", () => {
  test("a server without history: nothing to sync, nothing else asked", async () => {
    const p = await page(off, [local()]);
    expect(p.sync).toBeUndefined();
    expect(p.calls).toEqual(["GET /api/conversations?limit=200"]);
  });

  test("conversations only this browser had are offered once; Upload puts them on the server, id for id", async () => {
    const mine = [local(), local()];
    const p = await page(chat, mine, { choose: true });
    expect(p.offered()).toBe(2);
    expect(p.asked()).toBe(true);
    for (const c of mine) {
      await until(() => p.list.get(c.id)?.syncedAt !== undefined);
      const saved = (await (await server().get(c.id)).json()) as Conversation;
      expect(saved.messages.map((m) => m.id)).toEqual(c.messages.map((m) => m.id));
    }
    p.sync?.stop();
    // Asked once: another conversation only here later is simply sent.
    const later = local();
    const again = await page(chat, [later], { asked: true });
    expect(again.offered()).toBeUndefined();
    await until(() => again.list.get(later.id)?.syncedAt !== undefined);
    again.sync?.stop();
  });

  test("Keep here only leaves them in this browser, never sent", async () => {
    const mine = local();
    const p = await page(chat, [mine], { choose: false });
    expect(p.offered()).toBe(1);
    expect(p.list.get(mine.id)?.localOnly).toBe(true);
    p.list.rename(mine.id, "Private");
    await Bun.sleep(500);
    expect((await server().get(mine.id)).status).toBe(404);
    expect(p.calls.filter((c) => c.includes(mine.id))).toEqual([]);
    p.sync?.stop();
  });

  test("what changed on another device is fetched at once; what was deleted there goes here too; this page's own changes are not fetched back", async () => {
    const shared = local();
    expect((await server().put(shared.id, shared)).status).toBe(200);
    const p = await page(chat, [], { asked: true });
    expect(p.list.get(shared.id)?.messages.map((m) => m.content)).toEqual(shared.messages.map((m) => m.content));

    // Another device renames it, then deletes it.
    await server().rename(shared.id, "Renamed elsewhere");
    await until(() => p.list.get(shared.id)?.title === "Renamed elsewhere");
    expect(p.remote).toContain(shared.id);
    await server().remove(shared.id);
    await until(() => p.list.get(shared.id) === undefined);

    // A change made here goes out once, and its echo on the feed is not fetched again.
    const mine = local();
    const q = mine.messages[0]!;
    const c = p.list.add({ messages: [], settings: {} });
    p.list.persistence(c.id).save({ messages: [q], settings: {}, leaf: q.id });
    await until(() => p.list.get(c.id)?.syncedAt !== undefined);
    await Bun.sleep(200);
    expect(p.calls.filter((x) => x.includes(c.id))).toEqual([`PUT /api/conversations/${c.id}`]);
    p.sync?.stop();
  });

  test("a conversation renamed before its first message is named on the server once it is there; a later rename is a PATCH", async () => {
    const p = await page(chat, [], { asked: true });
    const c = p.list.create();
    p.list.rename(c.id, "Trip plans");
    await Bun.sleep(50);
    expect(p.calls.filter((x) => x.includes(c.id))).toEqual([]);
    const q = local().messages[0]!;
    p.list.persistence(c.id).save({ messages: [q], settings: {}, leaf: q.id });
    await until(() => p.list.get(c.id)?.syncedAt !== undefined);
    expect(((await (await server().get(c.id)).json()) as Conversation).title).toBe("Trip plans");
    p.list.rename(c.id, "Trip plans (June)");
    await until(() => p.calls.includes(`PATCH /api/conversations/${c.id}`));
    await until(() => p.calls.filter((x) => x === `PATCH /api/conversations/${c.id}`).length === 2);
    await Bun.sleep(100);
    expect(((await (await server().get(c.id)).json()) as Conversation).title).toBe("Trip plans (June)");
    p.sync?.stop();
  });

  test("an imported conversation goes to the server at once", async () => {
    const p = await page(chat, [], { asked: true });
    const imported = local();
    const c = p.list.add({ messages: imported.messages, settings: {}, leaf: imported.leaf, title: "Imported" });
    await until(() => p.list.get(c.id)?.syncedAt !== undefined, 2000);
    expect(((await (await server().get(c.id)).json()) as Conversation).title).toBe("Imported");
    p.sync?.stop();
  });

  test("a conversation deleted while this page was closed is dropped when it opens", async () => {
    const gone = local();
    await server().put(gone.id, gone);
    const synced = { ...gone, syncedAt: gone.updatedAt };
    await server().remove(gone.id);
    const p = await page(chat, [synced], { asked: true });
    expect(p.list.get(gone.id)).toBeUndefined();
    expect(p.offered()).toBeUndefined();
    p.sync?.stop();
  });

  test("changes made while the feed was down (the server restarted) are caught up when it reconnects", async () => {
    const probe = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response() });
    const port = String(probe.port);
    probe.stop(true);
    const data = dataDir();
    const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_HISTORY: "on", CHAT_DATA_DIR: data, PORT: port };
    const first = await startChat({ env });
    const shared = local();
    await api(first.url, undefined).put(shared.id, shared);
    const p = await page({ url: first.url }, [], { asked: true, retryMs: [1000] });
    expect(p.list.get(shared.id)).toBeDefined();
    await first.stop();
    const second = await startChat({ env });
    try {
      // Renamed while this page's feed is down: the change is told to nobody.
      await api(second.url, undefined).rename(shared.id, "Renamed while away");
      await until(() => p.list.get(shared.id)?.title === "Renamed while away", 5000);
    } finally {
      p.sync?.stop();
      await second.stop();
    }
  }, 20_000);
});
