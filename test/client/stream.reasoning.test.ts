import { describe, expect, test } from "bun:test";
import { type ChatStreamEvent, readChatStream } from "../../client/chat/stream.ts";

const encoder = new TextEncoder();

/** A Response whose body arrives as exactly these byte chunks. */
function sseResponse(chunks: Uint8Array[]): Response {
  let i = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
  return new Response(body, { headers: { "Content-Type": "text/event-stream" } });
}

async function collect(chunks: Uint8Array[]): Promise<ChatStreamEvent[]> {
  const events: ChatStreamEvent[] = [];
  for await (const e of readChatStream(sseResponse(chunks))) events.push(e);
  return events;
}

const reasoning = (id: number, text: string, extra: object = {}) =>
  `event: reasoning\nid: ${id}\ndata: ${JSON.stringify({ reasoning: text, ...extra })}\n\n`;
const content = (id: number, text: string) => `id: ${id}\ndata: ${JSON.stringify({ content: text })}\n\n`;
const usage = { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16, completion_tokens_details: { reasoning_tokens: 4 } };
const finish = (id: number, extra: object = {}) =>
  `event: finish\nid: ${id}\ndata: ${JSON.stringify({ finish_reason: "stop", model: "gpt-fake", usage, ...extra })}\n\n`;

/** What the page shows from a list of events: the thinking, the answer, and the last id it saw. */
function shown(events: ChatStreamEvent[]) {
  let thought = "";
  let text = "";
  let lastId: string | undefined;
  for (const e of events) {
    if (e.type === "reasoning") {
      if (e.contentWasReasoning) [thought, text] = [thought + text, ""];
      thought += e.reasoning;
    }
    if (e.type === "delta") text += e.content;
    if ("eventId" in e && e.eventId) lastId = e.eventId;
  }
  return { thought, text, lastId };
}

describe("reading reasoning events", () => {
  const wire = [
    ": ok\n\n",
    reasoning(1, "Let me think"),
    ": ping\n\n",
    reasoning(2, " about **Café** 中文 😀\n"),
    content(3, "The answer"),
    content(4, " is 42."),
    finish(5, { reasoning_ms: 1234 }),
    "data: [DONE]\n\n",
  ].join("");

  test("thinking and answer arrive apart, in order, each with its event id, when split at every byte offset", async () => {
    const bytes = encoder.encode(wire);
    for (let at = 0; at <= bytes.length; at++) {
      const events = await collect([bytes.slice(0, at), bytes.slice(at)]);
      const s = shown(events);
      if (s.thought !== "Let me think about **Café** 中文 😀\n" || s.text !== "The answer is 42.") {
        throw new Error(`split at byte ${at}: ${JSON.stringify(s)}`);
      }
      expect(s.lastId).toBe("5");
      // Every thought comes before every word of the answer.
      const kinds = events.map((e) => e.type).filter((t) => t === "reasoning" || t === "delta");
      expect(kinds.lastIndexOf("reasoning")).toBeLessThan(kinds.indexOf("delta"));
      expect(events.at(-1)).toEqual({ type: "done" });
    }
  });

  test("thoughts of one network read join into one event carrying the last id, apart from the answer's words", async () => {
    const events = await collect([encoder.encode(wire)]);
    expect(events.slice(0, 2)).toEqual([
      { type: "reasoning", reasoning: "Let me think about **Café** 中文 😀\n", eventId: "2" },
      { type: "delta", content: "The answer is 42.", eventId: "4" },
    ]);
  });

  test("the finish carries the server's thinking time, the reasoning tokens and a refusal", async () => {
    const events = await collect([encoder.encode(finish(9, { reasoning_ms: 1500, refusal: true }) + "data: [DONE]\n\n")]);
    expect(events[0]).toEqual({ type: "finish", finishReason: "stop", model: "gpt-fake", usage, reasoningMs: 1500, refusal: true, eventId: "9" });
    // Without them the finish reads exactly as before reasoning existed.
    const plain = await collect([encoder.encode(`event: finish\ndata: {"finish_reason":"stop"}\n\ndata: [DONE]\n\n`)]);
    expect(plain[0]).toEqual({ type: "finish", finishReason: "stop", model: undefined, usage: undefined });
  });

  test("content that was thinking all along is said so, and is never joined into the thinking before it", async () => {
    const qwen = [
      reasoning(1, "early thought "),
      content(2, "I should "),
      content(3, "add them"),
      reasoning(4, ".", { content_was_reasoning: true }),
      reasoning(5, " Done."),
      content(6, "4"),
      finish(7),
      "data: [DONE]\n\n",
    ].join("");
    const events = await collect([encoder.encode(qwen)]);
    expect(events.slice(0, 4)).toEqual([
      { type: "reasoning", reasoning: "early thought ", eventId: "1" },
      { type: "delta", content: "I should add them", eventId: "3" },
      { type: "reasoning", reasoning: ". Done.", contentWasReasoning: true, eventId: "5" },
      { type: "delta", content: "4", eventId: "6" },
    ]);
    expect(shown(events)).toEqual({ thought: "early thought I should add them. Done.", text: "4", lastId: "7" });
    const bytes = encoder.encode(qwen);
    for (let at = 0; at <= bytes.length; at++) {
      const s = shown(await collect([bytes.slice(0, at), bytes.slice(at)]));
      if (s.thought !== "early thought I should add them. Done." || s.text !== "4") throw new Error(`split at byte ${at}: ${JSON.stringify(s)}`);
    }
  });

  test("a reasoning event that is not our JSON is a protocol error", async () => {
    const events = await collect([encoder.encode(`event: reasoning\ndata: {"content":"x"}\n\n`)]);
    expect(events).toEqual([{ type: "error", error: expect.objectContaining({ type: "protocol_error" }) }]);
  });
});
