import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { type EventSourceMessage, createParser } from "eventsource-parser";
import { startChat } from "../support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI } from "../support/fake-openai.ts";
import { readSse } from "../support/sse.ts";
import { answerOf, api, dataDir, waitForConversation } from "./support.ts";

const fake = startFakeOpenAI();
const dirs: string[] = [];
afterAll(async () => {
  await fake.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const env = (dir: string) => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL, CHAT_HISTORY: "on", CHAT_DATA_DIR: dir });

describe("history faults", () => {
  test("kill -9 mid-answer loses at most the last second: after a restart the answer holds all it streamed until then", async () => {
    const dir = dataDir();
    dirs.push(dir);
    const b = { tokens: 400, delay: 10 };
    const chat = await startChat({ env: env(dir) });
    const res = await api(chat.url, undefined).chat({ messages: [{ role: "user", content: directive(b) }] });
    const conversation = res.headers.get("x-conversation-id")!;
    // What the client had received, and when.
    const seen: { at: number; text: string }[] = [];
    let text = "";
    const parser = createParser({
      onEvent(e: EventSourceMessage) {
        if (!e.event && e.data !== "[DONE]") {
          text += (JSON.parse(e.data) as { content: string }).content;
          seen.push({ at: performance.now(), text });
        }
      },
    });
    const reader = res.body!.getReader();
    const dec = new TextDecoder();
    while (text.length < fakeText(b).length / 2) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.feed(dec.decode(value, { stream: true }));
    }
    const killedAt = performance.now();
    chat.proc.kill("SIGKILL");
    await chat.proc.exited;
    const second = await startChat({ env: env(dir) });
    try {
      const c = await waitForConversation(api(second.url, undefined), conversation, () => true);
      const answer = answerOf(c);
      expect(answer).toMatchObject({ status: "error", error: { type: "generation_lost" } });
      expect(answer.streamId).toBeUndefined();
      // Everything the client had a second before the kill is saved, and the saved text is the answer's start.
      const secondBefore = seen.findLast((s) => s.at <= killedAt - 1000)?.text ?? "";
      expect(answer.content.length).toBeGreaterThanOrEqual(secondBefore.length);
      expect(fakeText(b).startsWith(answer.content)).toBe(true);
      expect(answer.content.length).toBeGreaterThan(0);
      console.log(`kill -9: client had ${text.length} chars, ${secondBefore.length} a second before; saved ${answer.content.length}`);
    } finally {
      await second.stop();
    }
  }, 30_000);

  test("a locked database: the answer streams whole, readers get event: history {saved:false}, the log says why, and it is all saved once the lock goes", async () => {
    const dir = dataDir();
    dirs.push(dir);
    const chat = await startChat({ env: env(dir) });
    try {
      const lock = new Database(join(dir, "history.sqlite"));
      lock.run("BEGIN EXCLUSIVE");
      const b = { tokens: 30, delay: 20 };
      const res = await api(chat.url, undefined).chat({ messages: [{ role: "user", content: directive(b) }] });
      const conversation = res.headers.get("x-conversation-id")!;
      const s = await readSse(res);
      // What a seed client reads: `.content` of unnamed events (the helper's text would take the history event for one).
      const seed = s.events.filter((e) => !e.event && e.data !== "[DONE]").map((e) => (JSON.parse(e.data) as { content: string }).content);
      expect(seed.join("")).toBe(fakeText(b));
      expect(s.done).toBe(true);
      const history = s.events.filter((e) => e.event === "history").map((e) => JSON.parse(e.data) as { saved: boolean; message?: string });
      expect(history[0]).toMatchObject({ saved: false, message: expect.stringContaining("SQLITE_BUSY") });
      // Ids stay consecutive with the history event among them.
      expect(s.events.filter((e) => e.id).map((e) => Number(e.id))).toEqual(
        Array.from({ length: s.events.filter((e) => e.id).length }, (_, i) => i + 1),
      );
      expect(chat.output()).toContain("chat: history: cannot save answers (SQLITE_BUSY");
      lock.run("COMMIT");
      lock.close();
      const c = await waitForConversation(api(chat.url, undefined), conversation, (c) => answerOf(c).status === "done");
      expect(answerOf(c).content).toBe(fakeText(b));
      expect(c.messages[0]!.content).toBe(directive(b));
      expect(chat.output()).toContain("chat: history: saving works again");
    } finally {
      await chat.stop();
    }
  }, 30_000);

  test("while another process holds the write lock, reads go on (WAL) and a change answers 503 history_unavailable until it is gone", async () => {
    const dir = dataDir();
    dirs.push(dir);
    const chat = await startChat({ env: env(dir) });
    try {
      const client = api(chat.url, undefined);
      const res0 = await client.chat({ messages: [{ role: "user", content: directive({ tokens: 2 }) }] });
      const conversation = res0.headers.get("x-conversation-id")!;
      await res0.text();
      await waitForConversation(client, conversation, (c) => answerOf(c).status === "done");
      const lock = new Database(join(dir, "history.sqlite"));
      lock.run("BEGIN EXCLUSIVE");
      expect((await client.list()).status).toBe(200);
      const res = await client.rename(conversation, "Renamed");
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("5");
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("history_unavailable");
      lock.run("COMMIT");
      lock.close();
      expect((await client.rename(conversation, "Renamed")).status).toBe(204);
    } finally {
      await chat.stop();
    }
  }, 30_000);
});
