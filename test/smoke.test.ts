import { afterAll, beforeAll, expect, test } from "bun:test";
import { startChat, type ChatServer } from "./support/chat-server.ts";
import { directive, fakeText, startFakeOpenAI, type FakeOpenAI } from "./support/fake-openai.ts";
import { postChat, readSse, userSays } from "./support/sse.ts";

let fake: FakeOpenAI;
let chat: ChatServer;
beforeAll(async () => {
  fake = startFakeOpenAI();
  chat = await startChat({ env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: fake.baseURL } });
});
afterAll(async () => {
  await chat.stop();
  await fake.stop();
});

test("smoke: a message streams back", async () => {
  const res = await postChat(chat.url, userSays(`hi ${directive({ tokens: 8 })}`));
  const s = await readSse(res);
  expect(s.text).toBe(fakeText({ tokens: 8 }));
  expect(s.done).toBe(true);
});
