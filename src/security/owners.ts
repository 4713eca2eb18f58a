/**
 * Who a request speaks for. Without tokens, everyone is the one local owner. With tokens, each token is
 * an owner: `CHAT_AUTH_TOKEN=alice:tok1,bob:tok2` (or one token, or a file of such lines). Only the
 * tokens' SHA-256 digests are kept, and a token is checked against every digest in constant time.
 */
export interface OwnerToken {
  /** The owner's name: given (`name:token`), "local" for a single bare token, else from the digest. */
  name: string;
  digest: Uint8Array;
}

/** The owner of everything when no token is configured (and of a single bare token's history). */
export const LOCAL_OWNER = "local";

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

const sha256 = (s: string) => new Bun.CryptoHasher("sha256").update(s).digest() as Uint8Array;

/**
 * Parses `name:token,name:token` (commas or newlines; `#` comments in a file). A single bare token keeps
 * today's meaning and owns the local history, so adding a token to a loopback chat keeps its
 * conversations. Throws an Error naming `source` for duplicates and bad names; never quotes a token.
 */
export function parseOwnerTokens(text: string, source: string): OwnerToken[] {
  const entries = text
    .split(/[,\n]/)
    .map((s) => s.replace(/#.*$/, "").trim())
    .filter(Boolean);
  const owners: OwnerToken[] = [];
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(":");
    const named = colon > 0 && NAME.test(entry.slice(0, colon));
    if (colon > 0 && !named) throw new Error(`${source}: entry ${i + 1} has an owner name that is not 1–64 of A-Z a-z 0-9 _ . -`);
    const token = named ? entry.slice(colon + 1).trim() : entry;
    if (token === "") throw new Error(`${source}: entry ${i + 1} ("${entry.slice(0, colon)}:") has no token`);
    const digest = sha256(token);
    const name = named ? entry.slice(0, colon) : entries.length === 1 ? LOCAL_OWNER : `token-${Buffer.from(digest).toString("hex").slice(0, 12)}`;
    if (owners.some((o) => o.name === name)) throw new Error(`${source}: owner "${name}" is listed twice`);
    if (owners.some((o) => equalDigests(o.digest, digest))) throw new Error(`${source}: entry ${i + 1} repeats a token`);
    owners.push({ name, digest });
  }
  return owners;
}

/**
 * The owner a bearer token names, or undefined. Every digest is compared, each byte by byte, whether
 * or not an earlier one matched: the time taken says nothing about which token (or how much of it) was right.
 */
export function findOwner(owners: readonly OwnerToken[], given: string): string | undefined {
  const digest = sha256(given);
  let found: string | undefined;
  for (const o of owners) if (equalDigests(o.digest, digest) && found === undefined) found = o.name;
  return found;
}

// Digests on both sides: equal lengths, and a token's length stays hidden. Not node:crypto's
// timingSafeEqual: loading node:crypto costs the executable ~20 ms at start.
function equalDigests(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const owners = new WeakMap<Request, string>();

/** Remembers who a request speaks for, once its token has been checked. */
export function setOwner(req: Request, owner: string): void {
  owners.set(req, owner);
}

/** Who the request speaks for: set by the auth check; the local owner when no token is configured. */
export function ownerOf(req: Request): string {
  return owners.get(req) ?? LOCAL_OWNER;
}

/**
 * The key of an answer's log for its owner. The local owner's keys are the stream ids themselves (as
 * before owners existed); anyone else's are prefixed, so another owner's lookup of the same id finds
 * nothing, on this instance or, through Redis, on any other.
 */
export function streamKey(owner: string, id: string): string {
  return owner === LOCAL_OWNER ? id : `${owner}/${id}`;
}
