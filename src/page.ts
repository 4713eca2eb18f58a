import type { BunPlugin, HTMLBundle } from "bun";
import { basename, dirname, join } from "node:path";
import { compiled } from "./compiled.ts";
import { serviceWorkerScript } from "./service-worker.ts";

/**
 * The page's security headers. No inline script, no other origin: model output rendered into the page
 * cannot load a remote image (markdown exfiltration, EchoLeak CVE-2025-32711) or run code.
 */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "Content-Security-Policy": [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    // The service worker (/sw.js); without it the worker falls back to script-src, also 'self'.
    "worker-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; "),
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
};

interface File {
  body: Uint8Array<ArrayBuffer>;
  type: string;
}

/**
 * Serves the bundled client with our headers. Bun cannot add headers to an HTML-import route
 * (oven-sh/bun #17595; PR #41376 still open), so the files are held in memory and served from here:
 * - in the executable, the bundle it carries is served once on a private loopback port and copied;
 * - run from source (`bun run start`), the client is built as the executable's build does it (split
 *   into on-demand chunks, minified): Bun's run-time bundling of an HTML import makes one unsplit
 *   bundle (91 KB gzipped against 30 KB first), so the page would not be the one users get.
 */
export class Page {
  readonly #bundle: HTMLBundle;
  #files: Promise<Map<string, File>> | undefined;

  constructor(bundle: HTMLBundle) {
    this.#bundle = bundle;
  }

  /** The page for `/`, an asset by its path, or undefined. */
  async serve(pathname: string): Promise<Response | undefined> {
    this.#files ??= (compiled ? snapshot(this.#bundle) : buildFromSource(this.#bundle.index)).then(installable);
    const file = (await this.#files).get(pathname);
    if (!file) return undefined;
    // Asset names carry a content hash; the page and the service worker must always be revalidated.
    const revalidate = pathname === "/" || pathname === SERVICE_WORKER;
    return new Response(file.body, {
      headers: {
        ...PAGE_HEADERS,
        "Content-Type": file.type,
        "Cache-Control": revalidate ? "no-cache" : "public, max-age=31536000, immutable",
      },
    });
  }
}

/** At the root, so that its scope is the whole page. */
const SERVICE_WORKER = "/sw.js";

/**
 * The bundle as an installable web app, whichever way it was built:
 * - the manifest (client/manifest.webmanifest, copied by the bundler under a hashed name, its content
 *   as written) gets its icons' hashed names: `favicon.svg` is served as `/favicon-<hash>.svg`;
 * - `/sw.js` is added, carrying a version that changes with any file of the bundle and the list of files
 *   to precache: all but the KaTeX fonts (about 250 KB, cached on first use instead).
 */
async function installable(files: Map<string, File>): Promise<Map<string, File>> {
  const hashed = new Map<string, string>();
  for (const path of files.keys()) {
    const m = /^\/(.+)-[a-z0-9]{8}(\.[\w.]+)$/.exec(path);
    if (m) hashed.set(`${m[1]}${m[2]}`, path);
  }
  for (const file of files.values()) {
    if (!file.type.startsWith("application/manifest+json")) continue;
    const manifest = JSON.parse(new TextDecoder().decode(file.body)) as { icons?: Array<{ src: string }> };
    for (const icon of manifest.icons ?? []) icon.src = hashed.get(basename(icon.src)) ?? icon.src;
    file.body = new TextEncoder().encode(JSON.stringify(manifest)) as Uint8Array<ArrayBuffer>;
  }
  const hasher = new Bun.CryptoHasher("sha256");
  for (const [path, file] of [...files].sort(([a], [b]) => (a < b ? -1 : 1))) hasher.update(path).update(file.body);
  const version = hasher.digest("hex").slice(0, 16);
  const shell = [...files.keys()].filter((p) => !p.endsWith(".woff2")).sort();
  files.set(SERVICE_WORKER, { body: new TextEncoder().encode(serviceWorkerScript(version, shell)) as Uint8Array<ArrayBuffer>, type: "text/javascript;charset=utf-8" });
  return files;
}

/** The client built from its source folder, with the same options as src/build.ts gives the executable. */
async function buildFromSource(index: string): Promise<Map<string, File>> {
  // Not a literal specifier: the executable must not carry Babel and the Solid plugin, which it never runs.
  const pluginPath = join(dirname(index), "solid-plugin.ts");
  const { default: solid } = (await import(pluginPath)) as { default: BunPlugin };
  const result = await Bun.build({
    entrypoints: [index],
    target: "browser",
    splitting: true,
    minify: true,
    publicPath: "/",
    plugins: [solid],
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
  });
  if (!result.success) throw new AggregateError(result.logs, "building the client failed");
  const files = new Map<string, File>();
  for (const out of result.outputs) {
    const path = `/${basename(out.path)}`;
    files.set(path === "/index.html" ? "/" : path, { body: new Uint8Array(await out.arrayBuffer()), type: out.type });
  }
  return files;
}

async function snapshot(bundle: HTMLBundle): Promise<Map<string, File>> {
  const inner = Bun.serve({ hostname: "127.0.0.1", port: 0, development: false, routes: { "/": bundle }, fetch: () => new Response(null, { status: 404 }) });
  try {
    const files = new Map<string, File>();
    const pending = ["/"];
    while (pending.length > 0) {
      const path = pending.pop()!;
      if (files.has(path)) continue;
      const res = await fetch(new URL(path, inner.url));
      if (!res.ok) throw new Error(`bundled client: ${path} answered ${res.status}`);
      const body = new Uint8Array(await res.arrayBuffer());
      const type = res.headers.get("content-type") ?? "application/octet-stream";
      files.set(path, { body, type });
      if (/html|css|javascript/.test(type)) pending.push(...localReferences(new TextDecoder().decode(body)));
    }
    return files;
  } finally {
    void inner.stop(true);
  }
}

/**
 * Same-origin absolute paths a file loads: src/href attributes, CSS url(), the chunk files that split
 * scripts import on demand (`import("/chunk-….js")`, named only inside the JS), and fonts the JS imports
 * as files (KaTeX's `"/KaTeX_Main-Regular-<hash>.woff2"`: Bun's CSS would inline them as data: URIs, which
 * the CSP refuses).
 */
function localReferences(text: string): string[] {
  const refs: string[] = [];
  const pattern = /(?:src|href)="(\/[^"/][^"]*)"|url\(["']?(\/[^"')/][^"')]*)["']?\)|["'](\/(?:chunk-[a-z0-9]+\.(?:js|css)|[\w.-]+-[a-z0-9]{8}\.woff2))["']/g;
  for (const m of text.matchAll(pattern)) refs.push((m[1] ?? m[2] ?? m[3])!.split(/[?#]/)[0]!);
  return refs;
}
