/**
 * The page's service worker, served as `/sw.js` (src/page.ts): the app shell opens offline, the API is
 * never cached, and a new binary's bundle replaces the old one.
 *
 * Written here as one self-contained function so that it is type-checked and unit-tested like the rest;
 * src/page.ts sends its source text (`String(serviceWorker)`) with this bundle's version and file list as
 * arguments. It must not refer to anything outside itself.
 *
 * Updates. `/sw.js` carries the bundle's version, so a new binary serving a new bundle makes the browser
 * (which re-checks `/sw.js` on every navigation, past the HTTP cache) install a new worker. That worker
 * precaches the new shell, skips waiting and claims the open pages; on activation it deletes every other
 * version's cache. Why skipWaiting + clients.claim and not the default wait-until-every-tab-closes: an
 * installed app on a phone is rarely closed, so a waiting worker could wait for days, and while it waits
 * the old worker answers offline opens with the old shell. The cost is on a tab still open on the old
 * bundle: an on-demand chunk it has not loaded yet is no longer cached. That tab would miss it without a
 * worker too (the new binary does not serve the old bundle's files), and the page itself never comes from
 * the cache while the server answers: `/` is network-first, so online, every load is the server's current
 * bundle, whichever worker is active. No user is left on an old client.
 */
export function serviceWorker(scope: WorkerScope, version: string, shell: readonly string[]): void {
  const CACHE = `chat-${version}`;
  const PREFIX = "chat-";

  scope.addEventListener("install", (event) => {
    event.waitUntil(
      scope.caches
        .open(CACHE)
        .then((cache) => cache.addAll(shell))
        .then(() => scope.skipWaiting()),
    );
  });

  scope.addEventListener("activate", (event) => {
    event.waitUntil(
      scope.caches
        .keys()
        .then((keys) => Promise.all(keys.filter((k) => k.startsWith(PREFIX) && k !== CACHE).map((k) => scope.caches.delete(k))))
        .then(() => scope.clients.claim()),
    );
  });

  scope.addEventListener("fetch", (event) => {
    const req = event.request;
    const url = new URL(req.url);
    // Not ours to answer: the browser goes to the network as if there were no worker. The API above
    // all: conversations, models and answers are never served stale (and never stored by the worker).
    if (req.method !== "GET" || url.origin !== scope.location.origin || url.pathname.startsWith("/api/") || url.pathname === "/sw.js") return;
    if (url.pathname === "/") {
      // Network first: online, the page is always the server's current bundle; offline, the cached
      // shell opens and says it cannot reach the server (its /api/status request fails).
      event.respondWith(
        scope.fetch(req).catch(() =>
          scope.caches
            .open(CACHE)
            .then((cache) => cache.match("/"))
            .then((hit) => hit ?? Response.error()),
        ),
      );
      return;
    }
    // Hashed assets (a new bundle has new names): cache first, and stored on first use when the server
    // says the file is immutable (the on-demand KaTeX fonts, left out of the precache).
    event.respondWith(
      scope.caches.open(CACHE).then(async (cache) => {
        const hit = await cache.match(req);
        if (hit) return hit;
        const res = await scope.fetch(req);
        if (res.ok && /\bimmutable\b/.test(res.headers.get("cache-control") ?? "")) await cache.put(req, res.clone());
        return res;
      }),
    );
  });
}

/** What the worker uses of its global scope (the project's `lib` is DOM, which lacks the worker types). */
export interface WorkerScope {
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  caches: CacheStorage;
  fetch(req: Request): Promise<Response>;
  location: { origin: string };
}

export interface ExtendableEvent {
  waitUntil(promise: Promise<unknown>): void;
}

export interface FetchEvent extends ExtendableEvent {
  request: Request;
  respondWith(response: Promise<Response>): void;
}

/** The script served as `/sw.js`: the function above, called with this bundle's version and shell. */
export function serviceWorkerScript(version: string, shell: readonly string[]): string {
  return `"use strict";\n(${String(serviceWorker)})(self, ${JSON.stringify(version)}, ${JSON.stringify(shell)});\n`;
}
