import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "../../src/config.ts";
import { LOCAL_OWNER, findOwner, parseOwnerTokens, streamKey } from "../../src/security/owners.ts";

const config = (env: Record<string, string>) => {
  const parsed = parseArgs([], env);
  if (parsed.kind !== "run") throw new Error("not run");
  return parsed.config;
};

describe("owners from tokens", () => {
  test("a single bare token is the local owner, as before owners existed", () => {
    const owners = parseOwnerTokens("t0ken", "CHAT_AUTH_TOKEN");
    expect(owners.map((o) => o.name)).toEqual([LOCAL_OWNER]);
    expect(findOwner(owners, "t0ken")).toBe(LOCAL_OWNER);
    expect(findOwner(owners, "t0ke")).toBeUndefined();
  });

  test("name:token lists name each token's owner; bare tokens among several get a name from their digest", () => {
    const owners = parseOwnerTokens("alice:tok-a, bob:tok-b,\nloose-token", "x");
    expect(owners.map((o) => o.name)).toEqual(["alice", "bob", expect.stringMatching(/^token-[0-9a-f]{12}$/)]);
    expect(findOwner(owners, "tok-b")).toBe("bob");
    expect(findOwner(owners, "alice:tok-a")).toBeUndefined();
  });

  test("only digests are kept: no token appears in what is parsed", () => {
    const owners = parseOwnerTokens("alice:super-secret-token", "x");
    expect(JSON.stringify(owners)).not.toContain("super-secret-token");
  });

  test("duplicate names and tokens are refused without quoting a token", () => {
    expect(() => parseOwnerTokens("a:one,a:two", "CHAT_AUTH_TOKEN")).toThrow('owner "a" is listed twice');
    expect(() => parseOwnerTokens("a:same-token,b:same-token", "CHAT_AUTH_TOKEN")).toThrow("repeats a token");
    expect(() => parseOwnerTokens("a:", "CHAT_AUTH_TOKEN")).toThrow("has no token");
  });

  test("stream keys: the local owner's are the ids themselves, anyone else's are prefixed", () => {
    expect(streamKey(LOCAL_OWNER, "id-1")).toBe("id-1");
    expect(streamKey("alice", "id-1")).toBe("alice/id-1");
  });
});

describe("config", () => {
  test("CHAT_AUTH_TOKENS_FILE adds owners (comments allowed) and counts as a token for an exposed HOST", () => {
    const dir = mkdtempSync(join(tmpdir(), "owners-"));
    try {
      const file = join(dir, "tokens");
      writeFileSync(file, "# the team\nalice:tok-a\nbob:tok-b # laptop\n");
      const c = config({ HOST: "0.0.0.0", CHAT_AUTH_TOKENS_FILE: file, CHAT_AUTH_TOKEN: "carol:tok-c" });
      expect(c.security.owners.map((o) => o.name)).toEqual(["carol", "alice", "bob"]);
      expect(() => config({ CHAT_AUTH_TOKENS_FILE: join(dir, "missing") })).toThrow("cannot be read: ENOENT");
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test("history is on by default (off: in the browser only); its data dir is the XDG data dir", () => {
    expect(config({}).history.enabled).toBe(true);
    expect(config({ CHAT_HISTORY: "off" }).history.enabled).toBe(false);
    expect(config({ XDG_DATA_HOME: "/x/data" }).history).toMatchObject({ enabled: true, dataDir: "/x/data/bun-chat" });
    expect(config({ HOME: "/home/u" }).history.dataDir).toBe("/home/u/.local/share/bun-chat");
    expect(config({ CHAT_DATA_DIR: "/srv/chat" }).history.dataDir).toBe("/srv/chat");
    expect(() => config({ CHAT_HISTORY: "maybe" })).toThrow('CHAT_HISTORY="maybe" is not on or off');
  });
});
