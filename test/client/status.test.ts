import { expect, test } from "bun:test";
import { bearer } from "../../client/chat/auth.ts";
import { fetchStatus } from "../../client/chat/status.ts";

const answering = (res: Response, seen: Headers[] = []) =>
  (async (_: string, init: RequestInit) => {
    seen.push(new Headers(init.headers));
    return res;
  }) as unknown as typeof fetch;

test("the status call carries the access token", async () => {
  const seen: Headers[] = [];
  const body = { version: "1", model: "gpt-fake", ready: true };
  expect(await fetchStatus({ token: "tok", fetch: answering(Response.json(body), seen) })).toEqual(body);
  expect(seen[0]!.get("authorization")).toBe("Bearer tok");
});

test("a 401 says the server wants a token, in the server's words", async () => {
  const res = Response.json(
    { error: { message: "The access token is wrong.", type: "unauthorized", status: 401 } },
    { status: 401, headers: { "WWW-Authenticate": "Bearer" } },
  );
  expect(await fetchStatus({ token: "old", fetch: answering(res) })).toEqual({
    version: "",
    model: "",
    ready: false,
    problem: "The access token is wrong.",
    unauthorized: true,
  });
});

test("other failures are problems, not a reason to ask for a token", async () => {
  const res = new Response("<h1>Bad gateway</h1>", { status: 502 });
  const status = await fetchStatus({ fetch: answering(res) });
  expect(status).toMatchObject({ ready: false, problem: "The server answered 502 to /api/status." });
  expect(status.unauthorized).toBeUndefined();
});

test("no token, no Authorization header", () => {
  expect(bearer(undefined)).toEqual({});
  expect(bearer("")).toEqual({});
  expect(bearer("t")).toEqual({ Authorization: "Bearer t" });
});
