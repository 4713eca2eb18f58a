import { describe, expect, test } from "bun:test";
import { type ExtendableEvent, type FetchEvent, type WorkerScope, serviceWorkerScript } from "../src/service-worker.ts";

const ORIGIN = "https://chat.test";

/** A cache keyed by path, as much of the Cache API as the worker uses. */
class FakeCache {
  readonly entries = new Map<string, Response>();
  constructor(private readonly server: FakeServer) {}
  async addAll(paths: readonly string[]) {
    for (const p of paths) {
      const res = await this.server.fetch(new Request(new URL(p, ORIGIN)));
      if (!res.ok) throw new TypeError(`addAll: ${p} answered ${res.status}`);
      this.entries.set(p, res);
    }
  }
  async match(req: Request | string) {
    return this.entries.get(typeof req === "string" ? req : new URL(req.url).pathname)?.clone();
  }
  async put(req: Request, res: Response) {
    this.entries.set(new URL(req.url).pathname, res);
  }
}

/** The binary behind the page: its bundle's files, or nothing at all when offline. */
class FakeServer {
  offline = false;
  requests: string[] = [];
  constructor(public files: Record<string, string>) {}
  fetch = async (req: Request) => {
    if (this.offline) throw new TypeError("Failed to fetch");
    const path = new URL(req.url).pathname;
    this.requests.push(path);
    if (path.startsWith("/api/")) return Response.json({ live: true });
    const body = this.files[path];
    if (body === undefined) return new Response("no", { status: 404 });
    return new Response(body, { headers: { "Cache-Control": path === "/" ? "no-cache" : "public, max-age=31536000, immutable" } });
  };
}

/** One browser profile: its caches (shared by the workers it installs) and the server it talks to. */
function browser(server: FakeServer) {
  const caches = new Map<string, FakeCache>();
  const storage = {
    open: async (name: string) => caches.get(name) ?? caches.set(name, new FakeCache(server)).get(name)!,
    keys: async () => [...caches.keys()],
    delete: async (name: string) => caches.delete(name),
  } as unknown as CacheStorage;

  /** Runs the script the server sends as `/sw.js`, as a browser would, and walks it through install and activate. */
  async function install(script: string) {
    const listeners: Record<string, (e: never) => void> = {};
    let skipped = false;
    let claimed = false;
    const scope: WorkerScope = {
      addEventListener: (type: string, fn: (e: never) => void) => void (listeners[type] = fn),
      skipWaiting: async () => void (skipped = true),
      clients: { claim: async () => void (claimed = true) },
      caches: storage,
      fetch: (req) => server.fetch(req),
      location: { origin: ORIGIN },
    };
    new Function("self", script)(scope);
    const lifecycle = async (type: string) => {
      let wait: Promise<unknown> = Promise.resolve();
      listeners[type]!({ waitUntil: (p: Promise<unknown>) => void (wait = p) } satisfies ExtendableEvent as never);
      await wait;
    };
    await lifecycle("install");
    await lifecycle("activate");
    /** What the worker answers for a request: a response, or "network" when it lets the browser go on its own. */
    const request = async (path: string, init?: RequestInit): Promise<Response | "network"> => {
      let answer: Promise<Response> | undefined;
      const event: FetchEvent = { request: new Request(new URL(path, ORIGIN), init), waitUntil: () => {}, respondWith: (r) => void (answer = r) };
      listeners.fetch!(event as never);
      return answer ?? "network";
    };
    return { request, skipped: () => skipped, claimed: () => claimed };
  }
  return { caches, install };
}

const V1 = { "/": "<html>v1 <script src=/chunk-aaaaaaaa.js>", "/chunk-aaaaaaaa.js": "v1 entry", "/chunk-bbbbbbbb.js": "v1 lazy", "/KaTeX_Main-Regular-cccccccc.woff2": "font" };
const V2 = { "/": "<html>v2 <script src=/chunk-dddddddd.js>", "/chunk-dddddddd.js": "v2 entry", "/KaTeX_Main-Regular-cccccccc.woff2": "font" };
const shellOf = (files: Record<string, string>) => Object.keys(files).filter((p) => !p.endsWith(".woff2"));

describe("the service worker (/sw.js as served)", () => {
  test("precaches the shell; online the page comes from the network, offline from the cache; takes over at once", async () => {
    const server = new FakeServer(V1);
    const b = browser(server);
    const sw = await b.install(serviceWorkerScript("v1", shellOf(V1)));
    expect(sw.skipped() && sw.claimed()).toBe(true);
    expect([...b.caches.keys()]).toEqual(["chat-v1"]);
    expect([...b.caches.get("chat-v1")!.entries.keys()].sort()).toEqual(shellOf(V1).sort());

    server.requests = [];
    const online = await sw.request("/", { mode: "same-origin" });
    expect(online).not.toBe("network");
    expect(await (online as Response).text()).toBe(V1["/"]);
    expect(server.requests).toEqual(["/"]); // network first

    server.offline = true;
    expect(await ((await sw.request("/")) as Response).text()).toBe(V1["/"]);
    expect(await ((await sw.request("/chunk-bbbbbbbb.js")) as Response).text()).toBe("v1 lazy");
  });

  test("never answers /api/*, other methods or other origins: those go to the network, never to a cache", async () => {
    const server = new FakeServer(V1);
    const b = browser(server);
    const sw = await b.install(serviceWorkerScript("v1", shellOf(V1)));
    expect(await sw.request("/api/status")).toBe("network");
    expect(await sw.request("/api/conversations/x")).toBe("network");
    expect(await sw.request("/api/chat", { method: "POST", body: "{}" })).toBe("network");
    expect(await sw.request("https://elsewhere.test/chunk-aaaaaaaa.js")).toBe("network");
    expect(await sw.request("/sw.js")).toBe("network");
    for (const cache of b.caches.values()) expect([...cache.entries.keys()].some((p) => p.startsWith("/api/"))).toBe(false);
  });

  test("hashed assets are cache-first; one left out of the precache is stored on first use if immutable, a 404 is not", async () => {
    const server = new FakeServer(V1);
    const b = browser(server);
    const sw = await b.install(serviceWorkerScript("v1", shellOf(V1)));
    server.requests = [];
    await sw.request("/chunk-aaaaaaaa.js");
    expect(server.requests).toEqual([]);
    expect(await ((await sw.request("/KaTeX_Main-Regular-cccccccc.woff2")) as Response).text()).toBe("font");
    expect(((await sw.request("/chunk-zzzzzzzz.js")) as Response).status).toBe(404);
    const cached = [...b.caches.get("chat-v1")!.entries.keys()];
    expect(cached).toContain("/KaTeX_Main-Regular-cccccccc.woff2");
    expect(cached).not.toContain("/chunk-zzzzzzzz.js");
    server.offline = true;
    expect(await ((await sw.request("/KaTeX_Main-Regular-cccccccc.woff2")) as Response).text()).toBe("font");
  });

  test("a new binary's bundle replaces the old one: the new worker's cache holds the new shell and the old cache is dropped", async () => {
    const server = new FakeServer(V1);
    const b = browser(server);
    const old = await b.install(serviceWorkerScript("v1", shellOf(V1)));
    // The binary is replaced: the old worker still runs, but "/" is network-first, so the page is new at once.
    server.files = V2;
    expect(await ((await old.request("/")) as Response).text()).toBe(V2["/"]);
    // The browser re-checks /sw.js on that navigation, finds a new version and installs it.
    const sw = await b.install(serviceWorkerScript("v2", shellOf(V2)));
    expect([...b.caches.keys()]).toEqual(["chat-v2"]);
    server.offline = true;
    expect(await ((await sw.request("/")) as Response).text()).toBe(V2["/"]);
    expect(await ((await sw.request("/chunk-dddddddd.js")) as Response).text()).toBe("v2 entry");
    expect(await sw.request("/chunk-aaaaaaaa.js").catch(() => "gone")).toBe("gone");
  });
});
