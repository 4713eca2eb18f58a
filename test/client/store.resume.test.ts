import { describe, expect, test } from "bun:test";
import type { ChatFailure, ChatStreamEvent } from "../../client/chat/stream.ts";
import { type ResumeFn, type StreamFn, createChat } from "../../client/chat/store.ts";
import { memoryPersistence as memory } from "./memory-persistence.ts";

type Step = ChatStreamEvent | "hold";

/** Scripted answers: `post` for the first request, `resume` for each re-attach in turn. */
function fakeServer(script: { post?: Step[]; resume?: Step[][] }) {
  const resumes: Array<{ id: string; lastEventId?: string; token?: string }> = [];
  const posts: Array<{ token?: string }> = [];
  const play = async function* (steps: Step[], signal: AbortSignal): AsyncGenerator<ChatStreamEvent> {
    for (const step of steps) {
      if (step === "hold") {
        await new Promise<void>((_, reject) =>
          signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")), { once: true }),
        );
      } else yield step;
    }
  };
  const stream: StreamFn = ({ signal, token }) => {
    posts.push({ token });
    return play(script.post ?? [], signal);
  };
  const resume: ResumeFn = ({ id, lastEventId, signal, token }) => {
    resumes.push({ id, lastEventId, token });
    return play(script.resume?.[resumes.length - 1] ?? [lost("network_error")], signal);
  };
  return { stream, resume, resumes, posts };
}

const start = (id: string): ChatStreamEvent => ({ type: "start", id });
const delta = (content: string, eventId?: string): ChatStreamEvent => ({ type: "delta", content, eventId });
const done: ChatStreamEvent = { type: "done" };
const lost = (type: "connection_lost" | "network_error"): ChatStreamEvent => ({
  type: "error",
  error: { message: `${type} happened`, type, status: 0 },
});
const notFound: ChatStreamEvent = {
  type: "error",
  error: { message: "No such stream.", type: "stream_not_found", status: 404 },
};
const settle = () => new Promise((r) => setTimeout(r, 0));
const fast = [1, 1, 1];

describe("re-attaching after a dropped connection", () => {
  test("a dropped answer re-attaches after the last event seen and completes exactly", async () => {
    const server = fakeServer({
      post: [start("s-1"), delta("Hel", "1"), delta("lo", "2"), lost("connection_lost")],
      resume: [[start("s-1"), delta(" world", "3"), { type: "finish", finishReason: "stop", eventId: "4" }, done]],
    });
    const chat = createChat({ ...server, reconnectDelaysMs: fast });
    await chat.send("Hi");
    expect(server.resumes).toEqual([{ id: "s-1", lastEventId: "2", token: undefined }]);
    expect(chat.state.messages[1]).toMatchObject({ content: "Hello world", status: "done", lastEventId: "4" });
    expect(chat.state.messages[1]!.reconnecting).toBeUndefined();
    expect(chat.state.streaming).toBe(false);
  });

  test("a stream that simply ends (no done, no error) counts as a drop too", async () => {
    const server = fakeServer({ post: [start("s-1"), delta("A", "1")], resume: [[delta("B", "2"), done]] });
    const chat = createChat({ ...server, reconnectDelaysMs: fast });
    await chat.send("Q");
    expect(chat.state.messages[1]).toMatchObject({ content: "AB", status: "done" });
  });

  test("re-attaching waits longer each time, says so, and shows the error when the tries run out", async () => {
    const server = fakeServer({ post: [start("s-1"), delta("Part", "1"), lost("connection_lost")] });
    const chat = createChat({ ...server, reconnectDelaysMs: [20, 40, 80] });
    const started = performance.now();
    const sending = chat.send("Q");
    await Bun.sleep(10);
    expect(chat.state.messages[1]).toMatchObject({ status: "streaming", reconnecting: true });
    await sending;
    expect(performance.now() - started).toBeGreaterThanOrEqual(135);
    expect(server.resumes.length).toBe(3);
    expect(chat.state.messages[1]).toMatchObject({ content: "Part", status: "error", error: { type: "network_error" } });
    expect(chat.state.messages[1]!.reconnecting).toBeUndefined();
  });

  test("a re-attach that brings new text starts the waits over", async () => {
    const server = fakeServer({
      post: [start("s-1"), delta("a", "1"), lost("connection_lost")],
      resume: [
        [lost("network_error")],
        [delta("b", "2"), lost("connection_lost")],
        [lost("network_error")],
        [delta("c", "3"), done],
      ],
    });
    const chat = createChat({ ...server, reconnectDelaysMs: [1, 1] });
    await chat.send("Q");
    expect(server.resumes.map((r) => r.lastEventId)).toEqual(["1", "1", "2", "2"]);
    expect(chat.state.messages[1]).toMatchObject({ content: "abc", status: "done" });
  });

  test("an answer the server has forgotten ends the tries at once, with the drop's error", async () => {
    const server = fakeServer({ post: [start("s-1"), delta("x", "1"), lost("connection_lost")], resume: [[notFound]] });
    const chat = createChat({ ...server, reconnectDelaysMs: fast });
    await chat.send("Q");
    expect(server.resumes.length).toBe(1);
    expect(chat.state.messages[1]).toMatchObject({ content: "x", status: "error", error: { type: "connection_lost" } });
  });

  test("a drop before the server named the answer cannot re-attach: the error shows at once", async () => {
    const server = fakeServer({ post: [lost("network_error")] });
    const chat = createChat({ ...server, reconnectDelaysMs: fast });
    await chat.send("Q");
    expect(server.resumes.length).toBe(0);
    expect(chat.state.messages[1]).toMatchObject({ status: "error", error: { type: "network_error" } });
  });

  test("a server error is shown, not retried", async () => {
    const upstream: ChatFailure = { message: "Upstream broke.", type: "upstream_error", status: 502 };
    const server = fakeServer({ post: [start("s-1"), delta("x", "1"), { type: "error", error: upstream }] });
    const chat = createChat({ ...server, reconnectDelaysMs: fast });
    await chat.send("Q");
    expect(server.resumes.length).toBe(0);
    expect(chat.state.messages[1]).toMatchObject({ status: "error", error: upstream });
  });

  test("Stop while waiting to re-attach stops at once, on the server too", async () => {
    const server = fakeServer({ post: [start("s-1"), delta("x", "1"), lost("connection_lost")] });
    const stopped: string[] = [];
    const chat = createChat({ ...server, reconnectDelaysMs: [60_000], stopRemote: async (id) => void stopped.push(id) });
    const sending = chat.send("Q");
    await settle();
    chat.stop();
    await sending;
    expect(stopped).toEqual(["s-1"]);
    expect(chat.state.messages[1]).toMatchObject({ content: "x", status: "stopped" });
    expect(chat.state.streaming).toBe(false);
  });

  test("the answer is saved as soon as the server names it, so a reload at once can re-attach", async () => {
    const server = fakeServer({ post: [start("s-1"), "hold"] });
    const persistence = memory();
    const chat = createChat({ ...server, persistence });
    const sending = chat.send("Q");
    await settle();
    expect(persistence.saved?.[1]).toMatchObject({ status: "streaming", streamId: "s-1", content: "" });
    chat.stop();
    await sending;
  });
});

describe("re-attaching after a reload", () => {
  const saved = [
    { id: "1", role: "user", content: "Q" },
    { id: "2", role: "assistant", content: "Half", status: "streaming", streamId: "s-9", lastEventId: "4" },
  ];

  test("an answer that was streaming re-attaches after its last event and completes", async () => {
    const server = fakeServer({ resume: [[start("s-9"), delta(" and the rest", "5"), done]] });
    const persistence = memory(saved);
    const chat = createChat({ ...server, persistence });
    expect(chat.state.streaming).toBe(true);
    await chat.resume();
    expect(server.resumes).toEqual([{ id: "s-9", lastEventId: "4", token: undefined }]);
    expect(chat.state.messages[1]).toMatchObject({ content: "Half and the rest", status: "done" });
    expect(chat.state.streaming).toBe(false);
    expect(persistence.saved?.[1]).toMatchObject({ content: "Half and the rest", status: "done" });
  });

  test("an answer the server no longer knows becomes an interrupted failure with Retry", async () => {
    const server = fakeServer({ resume: [[notFound]] });
    const chat = createChat({ ...server, persistence: memory(saved) });
    await chat.resume();
    expect(chat.state.messages[1]).toMatchObject({ content: "Half", status: "error", error: { type: "interrupted" } });
    expect(chat.state.streaming).toBe(false);
  });

  test("resume is a no-op when nothing was streaming, or when an answer is already followed", async () => {
    const server = fakeServer({ resume: [["hold"]] });
    const chat = createChat({ ...server, persistence: memory(saved) });
    const first = chat.resume();
    await settle();
    await chat.resume();
    expect(server.resumes.length).toBe(1);
    chat.stop();
    await first;
    expect(chat.state.messages[1]!.status).toBe("stopped");
    await chat.resume();
    expect(server.resumes.length).toBe(1);
  });

  test("Stop before re-attaching stops the answer on the server and here", async () => {
    const stopped: string[] = [];
    const chat = createChat({ persistence: memory(saved), stopRemote: async (id) => void stopped.push(id) });
    chat.stop();
    expect(stopped).toEqual(["s-9"]);
    expect(chat.state.messages[1]).toMatchObject({ content: "Half", status: "stopped" });
    expect(chat.state.streaming).toBe(false);
  });
});

describe("access token", () => {
  test("every call carries the current token", async () => {
    let token = "t-1";
    const server = fakeServer({ post: [start("s-1"), delta("a", "1"), lost("connection_lost")], resume: [["hold"]] });
    const stops: Array<string | undefined> = [];
    const chat = createChat({
      ...server,
      token: () => token,
      reconnectDelaysMs: fast,
      stopRemote: async (_, o) => void stops.push(o.token),
    });
    const sending = chat.send("Q");
    await Bun.sleep(20);
    token = "t-2";
    chat.stop();
    await sending;
    expect(server.posts).toEqual([{ token: "t-1" }]);
    expect(server.resumes).toEqual([{ id: "s-1", lastEventId: "1", token: "t-1" }]);
    expect(stops).toEqual(["t-2"]);
  });

  test("a call refused for its token (401) shows the error and asks for the token again", async () => {
    const refused: ChatFailure = { message: "The access token is wrong.", type: "unauthorized", status: 401 };
    const server = fakeServer({ post: [{ type: "error", error: refused }] });
    let asked = 0;
    const chat = createChat({ ...server, onUnauthorized: () => asked++ });
    await chat.send("Q");
    expect(asked).toBe(1);
    expect(chat.state.messages[1]).toMatchObject({ status: "error", error: refused });
  });
});
