import { describe, expect, test } from "bun:test";
import { fetchModels, requestOptions, restoreSettings } from "../../client/chat/settings.ts";
import type { ChatStreamEvent, RequestOptions, WireMessage } from "../../client/chat/stream.ts";
import { type Message, type StreamFn, createChat } from "../../client/chat/store.ts";
import { finishNote, tokensPerSecond, usageLine } from "../../client/chat/usage.ts";
import { memoryPersistence as memory } from "./memory-persistence.ts";

/** A stand-in for the server that records what each request carried; each call plays its script. */
function fakeServer(scripts: ChatStreamEvent[][]) {
  const calls: { messages: WireMessage[]; options?: RequestOptions }[] = [];
  const stream: StreamFn = async function* ({ messages, options }) {
    calls.push({ messages, options });
    for (const e of scripts[calls.length - 1] ?? []) yield e;
  };
  return { stream, calls };
}

/** A clock the test moves by hand. */
function clock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const delta = (content: string): ChatStreamEvent => ({ type: "delta", content });
const done: ChatStreamEvent = { type: "done" };
const finish = (finishReason = "stop", completion = 2): ChatStreamEvent => ({
  type: "finish",
  finishReason,
  model: "gpt-fake",
  usage: { prompt_tokens: 9, completion_tokens: completion, total_tokens: 9 + completion },
});
const roles = (messages: readonly Message[]) => messages.map((m) => [m.role, m.content]);

describe("regenerate and edit", () => {
  test("regenerate re-sends the conversation up to the last question and shows a new answer in place of the last", async () => {
    const server = fakeServer([[delta("A1"), done], [delta("A2"), done], [delta("A2 again"), done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    await chat.send("Q2");
    const before = chat.state.messages[3]!.id;
    await chat.retry();
    expect(server.calls[2]!.messages).toEqual([
      { role: "user", content: "Q1" },
      { role: "assistant", content: "A1" },
      { role: "user", content: "Q2" },
    ]);
    expect(roles(chat.state.messages)).toEqual([
      ["user", "Q1"],
      ["assistant", "A1"],
      ["user", "Q2"],
      ["assistant", "A2 again"],
    ]);
    expect(chat.state.messages[3]!.id).not.toBe(before);
  });

  test("editing a question re-runs from it; what followed is no longer on screen", async () => {
    const server = fakeServer([[delta("A1"), done], [delta("A2"), done], [delta("A1 edited"), done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    await chat.send("Q2");
    await chat.edit(chat.state.messages[0]!.id, "  Q1, better  ");
    expect(server.calls[2]!.messages).toEqual([{ role: "user", content: "Q1, better" }]);
    expect(roles(chat.state.messages)).toEqual([
      ["user", "Q1, better"],
      ["assistant", "A1 edited"],
    ]);
  });

  test("an edit to nothing, to an answer, or while an answer streams does nothing", async () => {
    const server = fakeServer([[delta("A1"), done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    await chat.edit(chat.state.messages[0]!.id, "   ");
    await chat.edit(chat.state.messages[1]!.id, "not a question");
    await chat.edit("no-such-id", "x");
    expect(server.calls.length).toBe(1);
    expect(roles(chat.state.messages)).toEqual([
      ["user", "Q1"],
      ["assistant", "A1"],
    ]);
  });
});

describe("settings", () => {
  test("settings go with each request: model, temperature and max_tokens beside the messages, the system prompt first", async () => {
    const server = fakeServer([[delta("A"), done], [delta("B"), done]]);
    const chat = createChat({ stream: server.stream });
    await chat.send("Q1");
    expect(server.calls[0]).toEqual({ messages: [{ role: "user", content: "Q1" }], options: {} });

    chat.updateSettings({ model: "gpt-big", temperature: 0.3, maxTokens: 256, system: "Answer in French." });
    await chat.send("Q2");
    expect(server.calls[1]!.options).toEqual({ model: "gpt-big", temperature: 0.3, max_tokens: 256 });
    expect(server.calls[1]!.messages[0]).toEqual({ role: "system", content: "Answer in French." });
    expect(server.calls[1]!.messages.length).toBe(4);
  });

  test("a setting put back to default leaves the request; temperature 0 is a setting, not a default", async () => {
    expect(requestOptions({ temperature: 0 })).toEqual({ temperature: 0 });
    const chat = createChat({ stream: fakeServer([]).stream });
    chat.updateSettings({ model: "gpt-big", temperature: 1.2 });
    chat.updateSettings({ model: undefined, temperature: undefined });
    expect(requestOptions(chat.state.settings)).toEqual({});
  });

  test("settings are saved with the conversation, survive New chat and come back in a new store", async () => {
    const persistence = memory();
    const chat = createChat({ stream: fakeServer([[delta("A"), done]]).stream, persistence });
    chat.updateSettings({ model: "gpt-big", temperature: 0.5 });
    await chat.send("Q");
    chat.clear();
    expect(persistence.snapshot()).toEqual({ messages: [], settings: { model: "gpt-big", temperature: 0.5 } });
    const again = createChat({ persistence: memory(persistence.snapshot()) });
    expect(again.state.settings).toEqual({ model: "gpt-big", temperature: 0.5 });
  });

  test("a conversation saved before settings existed (a bare array) still loads", () => {
    const chat = createChat({ persistence: memory([{ id: "1", role: "user", content: "old" }]) });
    expect(roles(chat.state.messages)).toEqual([["user", "old"]]);
    expect(chat.state.settings).toEqual({});
  });

  test("saved settings out of range are dropped", () => {
    expect(restoreSettings({ model: "", temperature: 3, maxTokens: 1.5, system: "  " })).toEqual({});
    expect(restoreSettings({ model: "m", temperature: 2, maxTokens: 1, system: "S" })).toEqual({
      model: "m",
      temperature: 2,
      maxTokens: 1,
      system: "S",
    });
    expect(restoreSettings("junk")).toEqual({});
  });

  test("the model list is asked for with the access token; a failure is a list with a reason", async () => {
    const seen: Headers[] = [];
    const ok = await fetchModels({
      token: "t0k",
      fetch: (async (_url: string, init: RequestInit) => {
        seen.push(new Headers(init.headers));
        return Response.json({ default: "a", models: ["a", "b"] });
      }) as unknown as typeof fetch,
    });
    expect(ok).toEqual({ default: "a", models: ["a", "b"] });
    expect(seen[0]!.get("authorization")).toBe("Bearer t0k");
    const down = await fetchModels({ fetch: (async () => Promise.reject(new TypeError("down"))) as unknown as typeof fetch });
    expect(down.models).toEqual([]);
    expect(down.error).toContain("Could not reach");
  });
});

describe("usage", () => {
  test("usage, finish reason and the time from first token to finish are kept on the answer", async () => {
    const t = clock();
    const events: ChatStreamEvent[] = [delta("one"), delta(" two"), delta(" three"), finish("length", 30), done];
    const stream: StreamFn = async function* () {
      for (const e of events) {
        yield e;
        t.advance(250); // each event arrives 250 ms after the last
      }
    };
    const chat = createChat({ stream, now: t.now });
    await chat.send("Q");
    const answer = chat.state.messages[1]!;
    expect(answer).toMatchObject({ status: "done", finishReason: "length", writingMs: 750 });
    expect(answer.usage).toEqual({ prompt_tokens: 9, completion_tokens: 30, total_tokens: 39 });
    expect(tokensPerSecond(answer.usage, answer.writingMs)).toBe(40);
    expect(usageLine(answer.usage!, answer.writingMs)).toBe("30 tokens · 40.0 tokens/s");
  });

  test("an answer re-attached after a reload is not timed: its replayed tokens arrive all at once", async () => {
    const saved = [
      { id: "1", role: "user", content: "Q" },
      { id: "2", role: "assistant", content: "Half", status: "streaming", streamId: "s-1", lastEventId: "3" },
    ];
    const chat = createChat({
      persistence: memory(saved),
      resume: async function* () {
        yield delta(" and the rest");
        yield finish("stop", 12);
        yield done;
      },
    });
    await chat.resume();
    expect(chat.state.messages[1]).toMatchObject({ status: "done", usage: { completion_tokens: 12 } });
    expect(chat.state.messages[1]!.writingMs).toBeUndefined();
    expect(usageLine(chat.state.messages[1]!.usage!, undefined)).toBe("12 tokens");
  });

  test("an answer picked up from its start on another device is not timed either: what came before arrives at once", async () => {
    const saved = [
      { id: "1", role: "user", content: "Q" },
      { id: "2", role: "assistant", content: "", status: "streaming", streamId: "s-1" },
    ];
    const chat = createChat({
      persistence: memory(saved),
      resume: async function* () {
        yield delta("All of it");
        yield finish("stop", 40);
        yield done;
      },
    });
    await chat.resume();
    expect(chat.state.messages[1]).toMatchObject({ status: "done", content: "All of it" });
    expect(chat.state.messages[1]!.writingMs).toBeUndefined();
  });

  test("too little to measure gives no speed", () => {
    const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
    expect(tokensPerSecond(usage, 500)).toBeUndefined();
    expect(tokensPerSecond({ ...usage, completion_tokens: 5 }, 0)).toBeUndefined();
    expect(tokensPerSecond(undefined, 500)).toBeUndefined();
    expect(usageLine({ ...usage, completion_tokens: 1234 }, 2000)).toBe("1,234 tokens · 617 tokens/s");
  });

  test("a cut answer says why; one that ended on its own says nothing", () => {
    expect(finishNote("length", "done")).toBe("Stopped: reached the token limit");
    expect(finishNote("content_filter", "done")).toBe("Stopped by the content filter");
    expect(finishNote("stopped", "stopped")).toBe("Stopped");
    expect(finishNote(undefined, "stopped")).toBe("Stopped");
    expect(finishNote("stop", "done")).toBeUndefined();
  });
});
